/**
 * How deeply JSON text nests objects and arrays, found in one pass without parsing it, so that
 * untrusted text nested thousands deep is refused before anything recursive (a schema check,
 * JSON.stringify in a message) can run out of stack on it. Brackets inside strings do not count;
 * the text need not be valid JSON.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (code === 0x7d || code === 0x5d) depth--;
  }
  return deepest;
}
