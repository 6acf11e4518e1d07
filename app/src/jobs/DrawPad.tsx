import { useEffect, useRef, useState, type PointerEvent } from "react";
import { digitPlacement, MNIST_SIDE, padInput, softmax } from "./padInput.ts";

const PAD = 280;

/**
 * A drawing pad for a digit: the drawing is cropped to its ink, fitted into MNIST's 20×20 box
 * centred in 28×28, normalised as the engine normalises MNIST pixels, and `predict` gives the
 * logits the pad shows as probabilities. Draw with a mouse, pen or finger; the Clear button
 * works from the keyboard.
 *
 * @example
 * <DrawPad predict={(input) => runModel(input)} />
 */
export function DrawPad({ predict }: { predict: (input: Float32Array) => Promise<ArrayLike<number>> }) {
  const pad = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const [probabilities, setProbabilities] = useState<number[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const context = pad.current?.getContext("2d");
    if (context === undefined || context === null) return;
    context.lineWidth = 22;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#fff";
  }, []);

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return [((event.clientX - box.left) * PAD) / box.width, ((event.clientY - box.top) * PAD) / box.height] as const;
  };

  const classify = async () => {
    const canvas = pad.current!;
    const at = digitPlacement(canvas.getContext("2d")!.getImageData(0, 0, PAD, PAD).data, PAD, PAD);
    if (at === undefined) return setProbabilities(undefined);
    const small = document.createElement("canvas");
    small.width = MNIST_SIDE;
    small.height = MNIST_SIDE;
    const context = small.getContext("2d", { willReadFrequently: true })!;
    context.drawImage(canvas, at.sx, at.sy, at.sw, at.sh, at.dx, at.dy, at.dw, at.dh);
    try {
      setProbabilities(softmax(await predict(padInput(context.getImageData(0, 0, MNIST_SIDE, MNIST_SIDE).data))));
      setError(undefined);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  };

  const clear = () => {
    pad.current?.getContext("2d")?.clearRect(0, 0, PAD, PAD);
    setProbabilities(undefined);
  };

  const best = probabilities === undefined ? undefined : probabilities.indexOf(Math.max(...probabilities));
  return (
    <div className="draw">
      <canvas
        ref={pad}
        width={PAD}
        height={PAD}
        className="draw-pad"
        data-testid="draw-pad"
        role="img"
        aria-label="Drawing pad: draw a digit from 0 to 9"
        onPointerDown={(event) => {
          drawing.current = true;
          event.currentTarget.setPointerCapture(event.pointerId);
          const context = event.currentTarget.getContext("2d")!;
          const [x, y] = point(event);
          context.beginPath();
          context.moveTo(x, y);
          context.lineTo(x + 0.1, y);
          context.stroke();
        }}
        onPointerMove={(event) => {
          if (!drawing.current) return;
          const context = event.currentTarget.getContext("2d")!;
          const [x, y] = point(event);
          context.lineTo(x, y);
          context.stroke();
        }}
        onPointerUp={() => {
          drawing.current = false;
          void classify();
        }}
      />
      <div>
        <button type="button" onClick={clear} data-testid="draw-clear">Clear the pad</button>
        <p role="status" data-testid="prediction" data-digit={best}>
          {best === undefined ? "Draw a digit to see what the model reads." : `The model reads a ${best} (${(probabilities![best]! * 100).toFixed(1)}%).`}
        </p>
        {error !== undefined && <p role="alert" className="error">{error}</p>}
        {probabilities !== undefined && (
          <table className="probabilities" data-testid="probabilities">
            <caption>Probability of each digit</caption>
            <tbody>
              {probabilities.map((p, digit) => (
                <tr key={digit} className={digit === best ? "best" : undefined}>
                  <th scope="row">{digit}</th>
                  <td><meter min={0} max={1} value={p} aria-label={`digit ${digit}`} /></td>
                  <td>{(p * 100).toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
