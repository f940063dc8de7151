/**
 * `gladly … | head -3`: once the reader of our output goes away, writing fails with EPIPE. That is
 * the reader's choice, not our failure, so the process ends quietly with code 0 instead of dying on
 * an unhandled 'error' event with a stack trace.
 */
export function exitQuietlyWhenReaderLeaves(stream: NodeJS.WriteStream, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return exit(0);
    throw error;
  });
}
