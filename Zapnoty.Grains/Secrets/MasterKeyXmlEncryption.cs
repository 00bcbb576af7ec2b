using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// Encrypts a Data Protection key's secret part with the master key from configuration
/// (AES-256-GCM), before it is written to the database. The element names the master key by id,
/// so a rotated master key can still be told apart and, with the old one kept as previous, read.
/// </summary>
public sealed class MasterKeyXmlEncryptor(MasterKey key) : IXmlEncryptor
{
    public const string ElementName = "zapnotyEncryptedKey";
    public const string KeyIdAttribute = "masterKeyId";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(Seal(key, plaintextElement), typeof(MasterKeyXmlDecryptor));

    public static XElement Seal(MasterKey key, XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(key.Bytes, tag.Length))
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.ASCII.GetBytes(key.Id));
        return new XElement(ElementName, new XAttribute(KeyIdAttribute, key.Id), Convert.ToBase64String([.. nonce, .. tag, .. ciphertext]));
    }

    public static XElement Open(IEnumerable<MasterKey> keys, XElement encryptedElement)
    {
        var keyId = (string?)encryptedElement.Attribute(KeyIdAttribute);
        var key = keys.FirstOrDefault(k => k.Id == keyId) ?? throw new CryptographicException(
            $"The Data Protection key ring entry is encrypted with master key {keyId}, which is neither {MasterKeyOptions.Section}:Key nor one of its PreviousKeys.");
        var sealedBytes = Convert.FromBase64String(encryptedElement.Value);
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        var plaintext = new byte[sealedBytes.Length - nonceSize - tagSize];
        using (var aes = new AesGcm(key.Bytes, tagSize))
            aes.Decrypt(sealedBytes.AsSpan(0, nonceSize), sealedBytes.AsSpan(nonceSize + tagSize), sealedBytes.AsSpan(nonceSize, tagSize), plaintext,
                Encoding.ASCII.GetBytes(key.Id));
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}

/// <summary>Reads what <see cref="MasterKeyXmlEncryptor"/> wrote, with the current or a previous master key. Data Protection creates it by type.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        MasterKeyXmlEncryptor.Open(services.GetRequiredService<IOptions<MasterKeyOptions>>().Value.All, encryptedElement);
}
