namespace SegEngine.Server.Files;

/// <summary>A private folder for one request's uploads and result, removed with everything in it when the request ends.</summary>
internal sealed class UploadFolder : IDisposable
{
    public UploadFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "segengine-serve", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp folder's own cleanup takes it later.
        }
    }
}
