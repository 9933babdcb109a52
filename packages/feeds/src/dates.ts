/**
 * Our own feed date parser. Feeds carry RFC 822 dates, W3CDTF/ISO 8601 dates and a long tail of
 * local variants; general-purpose parsers (Date.parse) accept garbage and guess time zones from
 * the host, so every accepted shape is spelled out here and everything else is rejected.
 */

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};

const DAYS = new Set([
  'mon',
  'tue',
  'tues',
  'wed',
  'thu',
  'thur',
  'thurs',
  'fri',
  'sat',
  'sun',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
]);

/** Offsets in minutes east of UTC. The one-letter US zones (AT, ET...) are what some CMSes emit. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  'etc/gmt': 0,
  'etc/utc': 0,
  wet: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  at: -240,
  et: -300,
  ct: -360,
  mt: -420,
  pt: -480,
  ast: -240,
  adt: -180,
  akst: -540,
  akdt: -480,
  hst: -600,
  nst: -210,
  ndt: -150,
  bst: 60,
  cet: 60,
  met: 60,
  mez: 60,
  west: 60,
  cest: 120,
  mest: 120,
  mesz: 120,
  eet: 120,
  eest: 180,
  msk: 180,
  ist: 330,
  sgt: 480,
  hkt: 480,
  awst: 480,
  jst: 540,
  kst: 540,
  acst: 570,
  aest: 600,
  aedt: 660,
  nzst: 720,
  nzdt: 780,
};

// Military zones: A..M (no J) east, N..Y west, per RFC 1123's reading of RFC 822.
for (let i = 0; i < 12; i++) {
  ZONES[String.fromCharCode(i < 9 ? 97 + i : 98 + i)] = (i + 1) * 60;
  ZONES[String.fromCharCode(110 + i)] = -(i + 1) * 60;
}

const GREEK_MONTHS: Record<string, string> = {
  ιαν: 'jan',
  φεβ: 'feb',
  μάώ: 'mar',
  μαώ: 'mar',
  μαρ: 'mar',
  απρ: 'apr',
  μάι: 'may',
  μαϊ: 'may',
  μαι: 'may',
  ιούν: 'jun',
  ιον: 'jun',
  ιούλ: 'jul',
  ιολ: 'jul',
  αύγ: 'aug',
  αυγ: 'aug',
  σεπ: 'sep',
  οκτ: 'oct',
  νοέ: 'nov',
  νοε: 'nov',
  δεκ: 'dec',
};
const GREEK_DAYS: Record<string, string> = { κυρ: 'sun', δευ: 'mon', τρι: 'tue', τετ: 'wed', πεμ: 'thu', παρ: 'fri', σαβ: 'sat' };

const HUNGARIAN_MONTHS: Record<string, number> = {
  január: 1,
  február: 2,
  március: 3,
  április: 4,
  május: 5,
  június: 6,
  július: 7,
  augusztus: 8,
  szeptember: 9,
  október: 10,
  november: 11,
  december: 12,
};

/**
 * Month and weekday names of the languages news feeds most often localize their dates in
 * (Italian, Spanish, French, German, Portuguese, Dutch), keyed without diacritics: CMSes write
 * "mar, 03 giu 2025 09:15:00 +0200" or "3. Juni 2025 09:15" where RFC 822 wants English.
 */
const LOCAL_MONTHS: Record<string, number> = {};
const LOCAL_MONTH_NAMES: string[][] = [
  ['gennaio', 'gen', 'enero', 'ene', 'janvier', 'janv', 'januar', 'janner', 'janeiro', 'januari'],
  ['febbraio', 'febrero', 'fevrier', 'fevr', 'fev', 'februar', 'fevereiro', 'februari'],
  ['marzo', 'mars', 'marz', 'maerz', 'mrz', 'marco', 'maart', 'mrt'],
  ['aprile', 'abril', 'abr', 'avril', 'avr'],
  ['maggio', 'mag', 'mayo', 'mai', 'maio', 'mei'],
  ['giugno', 'giu', 'junio', 'juin', 'juni', 'junho'],
  ['luglio', 'lug', 'julio', 'juillet', 'juil', 'juli', 'julho'],
  ['agosto', 'ago', 'aout', 'augustus'],
  ['settembre', 'set', 'septiembre', 'setiembre', 'septembre', 'setembro'],
  ['ottobre', 'ott', 'octubre', 'octobre', 'oktober', 'okt', 'outubro', 'out'],
  ['novembre', 'noviembre', 'novembro'],
  ['dicembre', 'dic', 'diciembre', 'decembre', 'dezember', 'dez', 'dezembro'],
];
LOCAL_MONTH_NAMES.forEach((names, i) => names.forEach((n) => (LOCAL_MONTHS[n] = i + 1)));

const LOCAL_DAYS = new Set([
  ...['lunedi', 'martedi', 'mercoledi', 'giovedi', 'venerdi', 'sabato', 'domenica', 'lun', 'mar', 'mer', 'gio', 'ven', 'sab', 'dom'],
  ...['lunes', 'martes', 'miercoles', 'jueves', 'viernes', 'domingo', 'mie', 'jue', 'vie'],
  ...['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche', 'jeu', 'sam', 'dim'],
  ...['montag', 'dienstag', 'mittwoch', 'donnerstag', 'freitag', 'samstag', 'sonntag', 'mo', 'di', 'mi', 'do', 'fr', 'sa', 'so'],
  ...['segunda-feira', 'terca-feira', 'quarta-feira', 'quinta-feira', 'sexta-feira', 'seg', 'ter', 'qua', 'qui', 'sex'],
  ...['maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag', 'zondag', 'ma', 'wo', 'vr', 'za', 'zo'],
]);

/** Words between the parts of a written-out date: "3 de junio de 2025", "3 giugno 2025 alle ore 9:15", "1er juin". */
const FILLERS = new Set(['de', 'del', 'di', 'le', 'alle', 'ore', 'um', 'uhr', 'om', 'el', 'er', 'em']);

const plainLetters = (t: string): string => t.normalize('NFD').replace(/\p{M}/gu, '');

interface Parts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  offset?: number;
}

/** Two-digit years pivot like RFC 2822 §4.3: 00-49 are 20xx, 50-99 are 19xx. */
function expandYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (digits.length === 3) return 1900 + n;
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function build(p: Parts): Date | undefined {
  const { year, month, day } = p;
  const hour = p.hour ?? 0;
  const minute = p.minute ?? 0;
  const second = p.second ?? 0;
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return undefined;
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, Math.min(second, 59)));
  // setUTCFullYear keeps years below 100 literal, which Date.UTC would shift into the 1900s.
  d.setUTCFullYear(year, month - 1, day);
  const t = d.getTime() - (p.offset ?? 0) * 60_000;
  return Number.isFinite(t) ? new Date(t) : undefined;
}

function parseOffset(z: string): number | undefined {
  const s = z.toLowerCase();
  if (s in ZONES) return ZONES[s];
  const m = /^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(s);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3] ?? '0');
  if (h > 14 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

const TIME = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d+)?)?$/;

/** ISO 8601 and the reduced forms feedparser accepts (YYMMDD, ordinals, -YYMM, 3-digit months). */
function parseIso(input: string): Date | undefined {
  // ISO 8601 basic format (20250603T091530Z) is rewritten to the extended one.
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?((?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)$/i.exec(input);
  const s = basic ? `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6] ?? '00'}${basic[7]}` : input;
  const time = String.raw`(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?)?`;
  const dateForms: [RegExp, (m: RegExpExecArray) => Parts | undefined][] = [
    [/^(\d{4})-?(\d{2})-?(\d{2})/, (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) })],
    [/^(\d{4})-(0\d{2})-?(\d{2})/, (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) })],
    [/^(\d{4})-?(\d{3})/, (m) => ordinal(Number(m[1]), Number(m[2]))],
    [/^(\d{4})-(\d{2})/, (m) => ({ year: Number(m[1]), month: Number(m[2]), day: 1 })],
    [/^(\d{2})-?(\d{2})-?(\d{2})/, (m) => ({ year: expandYear(m[1]!), month: Number(m[2]), day: Number(m[3]) })],
    [/^(\d{2})-?(\d{3})/, (m) => ordinal(expandYear(m[1]!), Number(m[2]))],
    [/^(\d{4})/, (m) => ({ year: Number(m[1]), month: 1, day: 1 })],
    [/^-(\d{2})-?(\d{2})/, (m) => ({ year: expandYear(m[1]!), month: Number(m[2]), day: 1 })],
  ];
  for (const [re, toParts] of dateForms) {
    const full = new RegExp(re.source + time + '$', 'i').exec(s);
    if (!full) continue;
    const parts = toParts(full);
    if (!parts) continue;
    const n = re.source.split('(').length - 1;
    const [h, mi, se, z] = [full[n + 1], full[n + 2], full[n + 3], full[n + 4]];
    if (h !== undefined) {
      parts.hour = Number(h);
      parts.minute = Number(mi);
      parts.second = Number(se ?? '0');
    }
    if (z !== undefined) {
      const off = parseOffset(z);
      if (off === undefined) return undefined;
      parts.offset = off;
    }
    const d = build(parts);
    if (d) return d;
  }
  return undefined;
}

function ordinal(year: number, doy: number): Parts | undefined {
  if (doy < 1 || doy > (isLeap(year) ? 366 : 365)) return undefined;
  const d = new Date(Date.UTC(2000, 0, doy));
  d.setUTCFullYear(year, 0, doy);
  return { year, month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** RFC 822/1123/2822 and its relatives (asctime, JavaScript's toString, Perforce's y/m/d). */
function parseTokens(s: string): Date | undefined {
  const tokens = s
    .toLowerCase()
    .replace(/,/g, ' ')
    .replace(/\b(gmt|utc)\s+([+-])/g, '$1$2')
    .replace(/(\d)([a-z])/g, '$1 $2')
    .split(/\s+/)
    .filter(Boolean);
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;
  let time: RegExpExecArray | undefined;
  let offset: number | undefined;
  let pm: boolean | undefined;
  const numbers: string[] = [];
  const monthOf = (t: string): number | undefined => MONTHS[t] ?? LOCAL_MONTHS[plainLetters(t)];
  // "mar" is March and also Tuesday in Italian, Spanish and French: a weekday when another month follows.
  let ambiguousWeekdays = tokens.filter((raw) => monthOf(raw.replace(/\.$/, '')) !== undefined).length - 1;
  for (const raw of tokens) {
    const t = raw.replace(/\.$/, '');
    if (DAYS.has(t)) continue;
    const plainT = plainLetters(t);
    if (ambiguousWeekdays > 0 && month === undefined && LOCAL_DAYS.has(plainT)) {
      ambiguousWeekdays--;
      continue;
    }
    const named = monthOf(t);
    if (named !== undefined && month === undefined) {
      month = named;
      continue;
    }
    const tm = TIME.exec(t);
    if (tm && !time) {
      time = tm;
      continue;
    }
    if (/^\d{1,4}$/.test(t)) {
      numbers.push(t);
      continue;
    }
    const ymd = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(t);
    if (ymd && year === undefined) {
      year = Number(ymd[1]);
      month = Number(ymd[2]);
      day = Number(ymd[3]);
      continue;
    }
    if ((t === 'am' || t === 'pm') && time) {
      pm = t === 'pm';
      continue;
    }
    const off = offset === undefined && time ? parseOffset(t) : undefined;
    if (off !== undefined) {
      offset = off;
      continue;
    }
    if (LOCAL_DAYS.has(plainT) || FILLERS.has(plainT)) continue;
    return undefined;
  }
  for (const n of numbers) {
    if (n.length >= 3 && year === undefined) year = expandYear(n);
    else if (day === undefined) day = Number(n);
    else if (year === undefined) year = expandYear(n);
    else return undefined;
  }
  if (year === undefined || month === undefined || day === undefined) return undefined;
  let hour = time ? Number(time[1]) : undefined;
  if (hour !== undefined && pm !== undefined) {
    if (hour > 12) return undefined;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  return build({
    year,
    month,
    day,
    hour,
    minute: time ? Number(time[2]) : undefined,
    second: time ? Number(time[3] ?? '0') : undefined,
    offset: offset ?? 0,
  });
}

function fromKorean(s: string): string | undefined {
  // OnBlog and Nate write local Korean time without a zone; Korea is UTC+9 with no DST.
  let m = /^(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일\s+(\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}T${m[4]!.padStart(2, '0')}:${m[5]}:${m[6]}+09:00`;
  m = /^(\d{4})-(\d{2})-(\d{2})\s+(오전|오후)\s+(\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) {
    const h = (Number(m[5]) % 12) + (m[4] === '오후' ? 12 : 0);
    return `${m[1]}-${m[2]}-${m[3]}T${String(h).padStart(2, '0')}:${m[6]}:${m[7]}+09:00`;
  }
  return undefined;
}

function fromGreek(s: string): string | undefined {
  if (!/[\u0370-\u03ff]/.test(s)) return undefined;
  return s.replace(/[\u0370-\u03ff\u1f00-\u1fff]+/g, (w) => {
    const k = w.toLowerCase();
    return GREEK_MONTHS[k] ?? GREEK_DAYS[k] ?? w;
  });
}

function fromHungarian(s: string): string | undefined {
  const m = /^(\d{4})-([a-záéíóöőúüű]+)-(\d{1,2})(?:T(\d{1,2}):(\d{2})(.*))?$/i.exec(s);
  const month = m ? HUNGARIAN_MONTHS[m[2]!.toLowerCase()] : undefined;
  if (!m || !month) return undefined;
  const date = `${m[1]}-${String(month).padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return m[4] === undefined ? date : `${date}T${m[4].padStart(2, '0')}:${m[5]}${m[6]}`;
}

/** Parses a feed date into an instant; undefined when the string is not a date we can trust. */
export function parseFeedDate(input: string): Date | undefined {
  if (typeof input !== 'string') return undefined;
  const s = input.replace(/[\s\u00a0]+/g, ' ').trim();
  if (!s || s.length > 100) return undefined;
  const rewritten = fromKorean(s) ?? fromHungarian(s) ?? fromGreek(s) ?? s;
  return parseIso(rewritten) ?? parseTokens(rewritten);
}
