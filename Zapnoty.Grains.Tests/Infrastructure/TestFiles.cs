using System.Security.Cryptography;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>File contents for attachment tests: a real image a browser can show, and random bytes.</summary>
public static class TestFiles
{
    /// <summary>An 8×8 red PNG.</summary>
    public static byte[] RedSquarePng { get; } =
        Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4ISeHFTEMLQkAkL9BAbKfPiIAAAAASUVORK5CYII=");

    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);
}
