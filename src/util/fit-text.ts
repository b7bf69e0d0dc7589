/**
 * The text cut to at most `max` characters (UTF-16 units, as the schemas
 * count), an ellipsis marking the cut. What the coordinator stores must fit
 * the messages that carry it later, or one long error would keep every user
 * from listing the jobs.
 */
export function fitText (text: string, max: number): string {
  if (text.length <= max) return text
  if (max < 1) return ''
  let end = max - 1
  // Not between the two halves of a character beyond the BMP (an emoji): half of one is no text.
  if (isHighSurrogate(text.charCodeAt(end - 1))) end--
  return text.slice(0, end) + '…'
}

function isHighSurrogate (code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
