namespace SegEngine.Server.Hosting;

/// <summary>One <c>-m NAME=FOLDER</c>: the name clients address and the model folder behind it.</summary>
public sealed record ServedModelSpec(string Name, string Folder)
{
    /// <summary>Parses <c>NAME=FOLDER</c>; a name is what a URL path segment can carry without escaping.</summary>
    public static ServedModelSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new ArgumentException($"'{text}': a model is NAME=MODEL_FOLDER, e.g. ct=models/ct/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres");
        }

        string name = text[..equals];
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{name}': a model name has only letters, digits, '-', '_' and '.'");
        }

        return new ServedModelSpec(name, text[(equals + 1)..]);
    }
}
