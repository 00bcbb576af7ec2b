using Microsoft.Playwright;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Reads a QR code the dashboard drew, the way a phone camera would: from its pixels, with an independent decoder.</summary>
public static class QrCode
{
    // The browser rasterises the SVG it shows into a canvas and hands back one grey byte per pixel.
    private const string Rasterise = """
        async (svg) => {
          const size = 400;
          const image = new Image();
          image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = canvas.height = size;
          const context = canvas.getContext('2d');
          context.fillStyle = '#fff';
          context.fillRect(0, 0, size, size);
          context.drawImage(image, 0, 0, size, size);
          const rgba = context.getImageData(0, 0, size, size).data;
          const grey = new Array(size * size);
          for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4];
          return grey;
        }
        """;

    public static async Task<string> Read(ILocator svg)
    {
        var grey = await svg.EvaluateAsync<int[]>(Rasterise);
        var side = (int)Math.Sqrt(grey.Length);
        var source = new RGBLuminanceSource(grey.Select(g => (byte)g).ToArray(), side, side, RGBLuminanceSource.BitmapFormat.Gray8);
        var result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)));
        return result?.Text ?? throw new InvalidOperationException("The QR code could not be read.");
    }
}
