import { useEffect, useState } from 'preact/hooks';

/** The dark modules of a QR code as one SVG path, one unit per module. */
interface QrShape { size: number; path: string }

// The encoder is loaded only when a QR code is shown, so it stays out of the main bundle.
async function encode(text: string): Promise<QrShape> {
  const { default: qrcode } = await import('qrcode-generator');
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  let path = '';
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++)
      if (qr.isDark(row, col)) path += `M${col} ${row}h1v1h-1z`;
  return { size, path };
}

/** A QR code of `text`, drawn client-side as SVG (no network, no innerHTML). */
export function Qr({ text, label }: { text: string; label: string }) {
  const [shape, setShape] = useState<QrShape | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    encode(text).then((s) => current && setShape(s), () => current && setFailed(true));
    return () => { current = false; };
  }, [text]);
  if (failed) return <p class="error" role="alert">The QR code could not be drawn; the link above works the same.</p>;
  if (!shape) return <div class="qr" aria-busy="true" />;
  const quiet = 4; // the white border scanners need
  const box = shape.size + 2 * quiet;
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={`${-quiet} ${-quiet} ${box} ${box}`} shape-rendering="crispEdges" data-modules={shape.size}>
      <rect x={-quiet} y={-quiet} width={box} height={box} fill="#fff" />
      <path d={shape.path} fill="#000" />
    </svg>
  );
}
