using SegEngine.Model;

namespace SegEngine.Tests.Model;

public class LabelManagerTests
{
    private static DatasetInfo LoadDataset(string labelsAndMore) =>
        DatasetInfo.Load(ModelFixtures.WriteJson(
            $"{{\"channel_names\": {{\"0\": \"T1\", \"1\": \"FLAIR\"}}, \"file_ending\": \".nii.gz\", {labelsAndMore}}}",
            "dataset.json"));

    [Fact]
    public void SampleLabelsArePlainSoftmaxHeads()
    {
        DatasetInfo dataset = DatasetInfo.Load(Path.Combine(TestPaths.SampleModel("3d_fullres"), "dataset.json"));
        LabelManager labels = dataset.Labels;

        Assert.Equal(["CT"], dataset.ChannelNames);
        Assert.Equal(".nii.gz", dataset.FileEnding);
        Assert.Equal("NibabelIO", dataset.OverwriteImageReaderWriter);
        Assert.False(labels.HasRegions);
        Assert.Equal(3, labels.HeadCount);
        Assert.Equal([0, 1, 2], labels.AllLabels);
        Assert.Equal([1, 2], labels.ForegroundLabels);
        Assert.Equal(2, labels.MaxLabel);
        Assert.Null(labels.IgnoreLabel);
        Assert.Empty(labels.Regions);
        Assert.Equal(["background", "sphere", "box"], labels.HeadNames);
    }

    [Fact]
    public void RegionsWithIgnoreFollowTheContractExample()
    {
        // nnunet-parity.md §1.2: background 0; whole_tumor [1,2,3]; tumor_core [2,3]; enhancing 3; ignore 4; order [1,2,3].
        LabelManager labels = LoadDataset(
            "\"labels\": {\"background\": 0, \"whole_tumor\": [1, 2, 3], \"tumor_core\": [2, 3], \"enhancing\": 3, \"ignore\": 4}, \"regions_class_order\": [1, 2, 3]").Labels;

        Assert.True(labels.HasRegions);
        Assert.Equal(3, labels.HeadCount);
        Assert.Equal([[1, 2, 3], [2, 3], [3]], labels.Regions);
        Assert.Equal([1, 2, 3], labels.RegionsClassOrder);
        Assert.Equal(["whole_tumor", "tumor_core", "enhancing"], labels.HeadNames);
        Assert.Equal(4, labels.IgnoreLabel);
        Assert.Equal([0, 1, 2, 3], labels.AllLabels);
        Assert.Equal([1, 2, 3], labels.ForegroundLabels);
        Assert.Equal(3, labels.MaxLabel);
    }

    [Fact]
    public void PlainLabelsWithIgnore()
    {
        LabelManager labels = LoadDataset("\"labels\": {\"background\": 0, \"a\": 1, \"ignore\": 2}").Labels;

        Assert.False(labels.HasRegions);
        Assert.Equal(2, labels.HeadCount);
        Assert.Equal(2, labels.IgnoreLabel);
    }

    [Theory]
    [InlineData("\"labels\": {\"a\": 1, \"b\": 2}", "background")]
    [InlineData("\"labels\": {\"background\": 1, \"a\": 0}", "background")]
    [InlineData("\"labels\": {\"background\": [0], \"a\": 1}", "background")]
    [InlineData("\"labels\": {\"background\": 0, \"a\": 1, \"b\": 3}", "consecutive")]
    [InlineData("\"labels\": {\"background\": 0, \"a\": 1, \"ignore\": 5}", "ignore")]
    [InlineData("\"labels\": {\"background\": 0, \"a\": 1, \"ignore\": [2]}", "ignore")]
    [InlineData("\"labels\": {\"background\": 0, \"a\": -1}", "non-negative")]
    [InlineData("\"labels\": {\"background\": 0, \"a\": \"one\"}", "labels.a")]
    [InlineData("\"labels\": {\"background\": 0, \"wt\": [1, 2], \"tc\": 2}", "regions_class_order")]
    [InlineData("\"labels\": {\"background\": 0, \"wt\": [1, 2], \"tc\": 2}, \"regions_class_order\": [1]", "one entry per foreground region")]
    public void BadLabelsAreErrors(string labels, string expected)
    {
        var error = Assert.Throws<SegEngineException>(() => LoadDataset(labels));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(expected, error.Message);
        Assert.Contains("dataset.json", error.Message);
    }

    [Fact]
    public void LegacyModalityKeyGivesTheChannels()
    {
        DatasetInfo dataset = DatasetInfo.Load(ModelFixtures.WriteJson(
            "{\"modality\": {\"1\": \"ADC\", \"0\": \"T2\"}, \"labels\": {\"background\": 0, \"prostate\": 1}, \"file_ending\": \".nii.gz\"}",
            "dataset.json"));

        Assert.Equal(["T2", "ADC"], dataset.ChannelNames);
    }

    [Theory]
    [InlineData("{\"channel_names\": {\"0\": \"a\", \"2\": \"b\"}, \"labels\": {\"background\": 0}, \"file_ending\": \".nii.gz\"}", "without gaps")]
    [InlineData("{\"labels\": {\"background\": 0}, \"file_ending\": \".nii.gz\"}", "channel_names")]
    [InlineData("{\"channel_names\": {\"0\": \"a\"}, \"labels\": {\"background\": 0}}", "file_ending")]
    public void BadChannelsOrMissingKeysAreErrors(string json, string expected)
    {
        string path = ModelFixtures.WriteJson(json, "dataset.json");

        var error = Assert.Throws<SegEngineException>(() => DatasetInfo.Load(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }
}
