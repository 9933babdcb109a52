/**
 * C0 controls other than tab, LF and CR, DEL, the C1 range and the noncharacters U+FFFE/U+FFFF:
 * never text, yet publishers leak them into titles (a stray \u0008 from a CMS, a C1 byte decoded
 * as Latin-1, a `&#x1;` reference), and a reader shows them as boxes. feedparser drops them too.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;

export const stripControlChars = (s: string): string => s.replace(CONTROL_CHARS, '');
