using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Zapnoty.Silo;

/// <summary>
/// Configuration section <c>Orleans:Tls</c>: mutual TLS between silos. Off by default. Each silo
/// presents its certificate (a PKCS#12 file, or a PEM certificate and key) and accepts only
/// peers whose certificate is pinned by thumbprint (its own always is, so one certificate shared
/// by all silos just works) or issued by the configured private CA.
/// </summary>
public sealed class SiloTlsOptions
{
    public const string Section = "Orleans:Tls";

    public bool Enabled { get; set; }
    /// <summary>A .pfx/.p12 with the private key; <see cref="CertificatePassword"/> opens it.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    /// <summary>Or a PEM pair.</summary>
    public string? CertificatePemPath { get; set; }
    public string? KeyPemPath { get; set; }
    /// <summary>SHA-1 thumbprints (hex) of the other certificates to accept, e.g. the next one during a rotation.</summary>
    public string[] TrustedThumbprints { get; set; } = [];
    /// <summary>A PEM CA certificate: any certificate it issued is accepted (issue one per silo).</summary>
    public string? CaCertificatePath { get; set; }

    public X509Certificate2 LoadCertificate()
    {
        if (!string.IsNullOrEmpty(CertificatePath))
            return X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword);
        if (!string.IsNullOrEmpty(CertificatePemPath) && !string.IsNullOrEmpty(KeyPemPath))
        {
            // A PEM key is ephemeral; SslStream wants a certificate whose key it can use as it is on every platform.
            using var pem = X509Certificate2.CreateFromPemFile(CertificatePemPath, KeyPemPath);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        throw new InvalidOperationException(
            $"{Section}:Enabled is true but no certificate is configured: set {Section}:CertificatePath (+ CertificatePassword) or {Section}:CertificatePemPath and KeyPemPath.");
    }

    /// <summary>
    /// Whether a peer's certificate belongs to the cluster. Host names are not checked (silos are
    /// addressed by IP): trust comes from the pin or the private CA, not from public PKI.
    /// </summary>
    public RemoteCertificateValidator Validator(X509Certificate2 own)
    {
        var pinned = TrustedThumbprints.Select(t => t.Replace(":", "").Trim().ToUpperInvariant()).Append(own.Thumbprint).ToHashSet();
        var ca = string.IsNullOrEmpty(CaCertificatePath) ? null : X509CertificateLoader.LoadCertificateFromFile(CaCertificatePath);
        return (certificate, _, _) =>
        {
            if (certificate.NotAfter < DateTime.Now || certificate.NotBefore > DateTime.Now) return false;
            if (pinned.Contains(certificate.Thumbprint)) return true;
            if (ca is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        };
    }

    /// <summary>Fails at start, naming the setting, rather than at the first connection.</summary>
    public void Check(X509Certificate2 certificate)
    {
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{Section}: the certificate {certificate.Thumbprint} has no private key.");
        if (certificate.NotAfter < DateTime.Now)
            throw new InvalidOperationException($"{Section}: the certificate {certificate.Thumbprint} expired on {certificate.NotAfter:u}.");
    }
}
