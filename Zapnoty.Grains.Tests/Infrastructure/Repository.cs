namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>The checkout these tests run from (the directory holding Zapnoty.sln).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Zapnoty.sln"))) return dir.FullName;
        throw new InvalidOperationException("Zapnoty.sln not found above " + AppContext.BaseDirectory);
    }
}
