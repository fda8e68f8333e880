namespace SegEngine.Server.Files;

/// <summary>Maps the server's names of uploaded files back to the client's, so that no message shows a server path.</summary>
internal sealed class UploadNames(string folder)
{
    private readonly List<(string Server, string Client)> names = [];

    public void Add(string serverFile, string clientName) => names.Add((serverFile, clientName));

    public string Rewrite(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach ((string server, string client) in names)
        {
            message = message.Replace(server, client, StringComparison.Ordinal);
        }

        return message.Replace(folder + System.IO.Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(folder, "(upload)", StringComparison.Ordinal);
    }
}
