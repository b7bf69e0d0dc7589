// What a peer sends (a node's name, Blender's error, a job name) is shown in
// terminals and written to logs. A line break there would start a line that
// looks like the coordinator's own ("job 1 complete"), an escape sequence
// would move the cursor or clear the screen, a bidi override would show text
// in another order than it is. Each such character becomes one other
// character, so the length (and so every limit a text met) stays the same.

/** Line breaks and tabs: the text goes on, on the same line. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g
/** Every other C0 and C1 control (ESC among them), DEL, and the bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** The text with nothing a terminal or a log would act on: breaks become spaces, other controls "?". */
export function plainText (text: string): string {
  return text.replace(BREAKS, ' ').replace(CONTROLS, '?')
}
