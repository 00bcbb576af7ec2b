namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Files of the repository these tests were built from: the folder that holds Zapnoty.sln.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = Find();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Zapnoty.sln"))) return dir.FullName;
        throw new InvalidOperationException("Zapnoty.sln not found above " + AppContext.BaseDirectory);
    }
}
