/** The text to show for a failed bridge call (the bridge rejects with an Error carrying the server's message). */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
