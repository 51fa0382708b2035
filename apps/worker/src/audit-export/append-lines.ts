import { open as openFile, type FileHandle } from 'node:fs/promises';

/**
 * Appending to the JSONL files Airlock publishes outside the database (the SIEM
 * export, the checkpoint file), whole lines or nothing. A write can stop part-way
 * (ENOSPC, EFBIG, a crash): a retry appended after the partial bytes would leave a
 * line no reader can parse (`airlock audit verify --file`: "line N is not JSON";
 * the checkpointer reading its own file back after a restart). Each file has one
 * writer (the sink's leader, the worker's own checkpoint file), so what follows the
 * last newline is always an unfinished append of ours, and cutting it loses nothing:
 * the batch it belonged to was never counted delivered and is appended again.
 */

/** How the file is opened: the real file system, or a test's stand-in that fails part-way. */
export type OpenFile = (path: string, flags: string, mode: number) => Promise<FileHandle>;

/** Appends `text` (whole lines, each ending in a newline) and fsyncs; on failure the file is cut back to where it was. */
export async function appendWholeLines(file: string, text: string, mode: number, open: OpenFile = openFile): Promise<void> {
  const handle = await open(file, 'a+', mode);
  try {
    const end = await dropTornTail(handle);
    try {
      await handle.appendFile(text, 'utf8');
      await handle.sync();
    } catch (error) {
      // What part of the batch reached the file goes: the caller retries the whole batch.
      await handle
        .truncate(end)
        .then(() => handle.sync())
        .catch(() => undefined);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Cuts an unfinished last line (a crash mid-append) from `file`, if it exists; for a reader that needs whole lines first. */
export async function dropTornTailOf(file: string, open: OpenFile = openFile): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r+', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await dropTornTail(handle);
  } finally {
    await handle.close();
  }
}

const TAIL_CHUNK = 64 * 1024;

/** Truncates after the last newline (an empty file, or one ending in a newline, is left as it is); returns the size. */
async function dropTornTail(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  let end = size;
  const chunk = Buffer.alloc(TAIL_CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline !== -1) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) {
    await handle.truncate(end);
    await handle.sync();
  }
  return end;
}
