using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// The Data Protection key ring in the <c>data_protection_keys</c> table, so every silo reads and
/// writes the same keys. Data Protection calls it synchronously and rarely (it caches the ring).
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => Rows().Select(r => XElement.Parse(r.Xml)).ToList();

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Re-encrypts every entry still sealed with a previous master key under the current one, so
    /// the previous key can then be dropped from configuration. Safe when silos do it at once:
    /// a row is replaced only if nobody changed it meanwhile. Returns how many rows changed.
    /// </summary>
    public async Task<int> Rewrap(MasterKeyOptions keys, CancellationToken cancellationToken)
    {
        var current = keys.Current;
        var changed = 0;
        foreach (var row in Rows())
        {
            var element = XElement.Parse(row.Xml);
            var stale = element.Descendants(MasterKeyXmlEncryptor.ElementName)
                .Where(e => (string?)e.Attribute(MasterKeyXmlEncryptor.KeyIdAttribute) != current.Id).ToList();
            if (stale.Count == 0) continue;
            foreach (var sealedElement in stale)
                sealedElement.ReplaceWith(MasterKeyXmlEncryptor.Seal(current, MasterKeyXmlEncryptor.Open(keys.All, sealedElement)));
            await using var command = dataSource.CreateCommand("UPDATE data_protection_keys SET xml = $3 WHERE id = $1 AND xml = $2");
            command.Parameters.Add(new NpgsqlParameter { Value = row.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = row.Xml });
            command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
            changed += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return changed;
    }

    private List<(long Id, string Xml)> Rows()
    {
        using var command = dataSource.CreateCommand("SELECT id, xml FROM data_protection_keys ORDER BY id");
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }
}
