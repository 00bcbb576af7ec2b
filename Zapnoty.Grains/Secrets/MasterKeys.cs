using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// Configuration section <c>Zapnoty:DataProtection</c>: the master key that encrypts the Data
/// Protection key ring in the database (<see cref="Key"/>, 32 random bytes in base64), and the
/// master keys it replaced (<see cref="PreviousKeys"/>), kept only to read key ring entries still
/// encrypted with them until the silos re-encrypt those at start.
/// </summary>
public sealed class MasterKeyOptions
{
    public const string Section = "Zapnoty:DataProtection";

    public string? Key { get; set; }
    public string[] PreviousKeys { get; set; } = [];

    public bool HasKey => !string.IsNullOrWhiteSpace(Key);

    /// <summary>Null when every configured key is 32 bytes of base64; else what is wrong (without the key).</summary>
    public string? Problem()
    {
        var i = 0;
        foreach (var key in (HasKey ? [Key!] : Array.Empty<string>()).Concat(PreviousKeys))
        {
            if (MasterKey.TryParse(key) is null)
                return $"{Section}:{(i == 0 && HasKey ? "Key" : $"PreviousKeys:{i - (HasKey ? 1 : 0)}")} is not 32 bytes in base64 (make one with: openssl rand -base64 32).";
            i++;
        }
        return null;
    }

    public MasterKey Current => MasterKey.TryParse(Key ?? "") ?? throw new InvalidOperationException($"{Section}:Key is not configured.");

    /// <summary>The current key first, then the previous ones.</summary>
    public IEnumerable<MasterKey> All => (HasKey ? [Current] : Array.Empty<MasterKey>()).Concat(PreviousKeys.Select(k => MasterKey.TryParse(k)!));
}

/// <summary>A 256-bit AES key and its id: a hash of the key, so stored XML names the key without revealing it.</summary>
public sealed class MasterKey
{
    private MasterKey(byte[] bytes)
    {
        Bytes = bytes;
        Id = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.ASCII.GetBytes("zapnoty-master-key:"), .. bytes]))[..16];
    }

    public string Id { get; }
    public byte[] Bytes { get; }

    public static MasterKey? TryParse(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written == 32 ? new MasterKey(buffer[..32]) : null;
    }
}
