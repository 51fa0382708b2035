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

  /** Appends `src[start, end)`. A loop: the fields are short, and a subarray per copy (for `set`) cost more than the copying. */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    const bytes = this.bytes;
    let at = this.length;
    if (n > 64) bytes.set(src.subarray(start, end), at);
    else for (let i = start; i < end; i++) bytes[at++] = src[i]!;
    this.length += n;
  }

  /** Appends a string of ASCII characters (numbers in their JCS form). */
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
