/** A growable byte buffer reused from row to row: the hash input is assembled here without a string per field. */
export class ByteSink {
  bytes: Buffer = Buffer.allocUnsafeSlow(16 * 1024);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.bytes.length));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }

  /** Appends `src[start, end)`. */
  copy(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** Appends a string of ASCII characters (the fixed parts of the hash input, numbers). */
  ascii(text: string): void {
    this.reserve(text.length);
    this.length += this.bytes.write(text, this.length, 'latin1');
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}
