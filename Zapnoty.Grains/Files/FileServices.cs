using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Zapnoty.Grains.Files;

public static class FileServices
{
    /// <summary>The file store: PostgreSQL always (older files, and the default), S3 on top when <c>Zapnoty:Files:S3:Bucket</c> is set.</summary>
    public static IServiceCollection AddZapnotyFiles(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StoredFileOptions.Section);
        services.Configure<StoredFileOptions>(section);
        services.AddSingleton<IFileContent, PostgresFileContent>();
        if (section.GetSection("S3").Get<S3Options>() is { Enabled: true })
            services.AddSingleton<IFileContent, S3FileContent>();
        services.AddSingleton<FileStore>();
        services.AddHostedService<FileSweeper>();
        return services;
    }
}
