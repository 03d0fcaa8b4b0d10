// C printf-style "%.<p>g" formatting of doubles. LightGBM writes model fields with "{:.17g}" (thresholds, leaf
// values) or "{:g}" (gains, internal values, shrinkage), and task=predict output through an ostream with
// precision 17; reproducing those strings byte for byte needs the same %g rules: p significant digits, trailing
// zeros dropped, exponent form (at least two exponent digits) when the exponent is < -4 or >= p.

/**
 * JavaScript rounds an exact decimal tie away from zero, glibc to even: when the digit after the last kept one is
 * 5, look at the exact expansion (100 digits is exact for any tie a double can hold at these precisions).
 */
function halfEven(x: number, precision: number, rounded: string): string {
  const exact = x.toExponential(99);
  const negative = exact.charCodeAt(0) === 45;
  const ePos = exact.indexOf('e');
  const digits = exact.slice(negative ? 1 : 0, ePos).replace('.', '');
  if (!/^50*$/.test(digits.slice(precision))) return rounded; // not a tie
  const lastKept = digits.charCodeAt(precision - 1) - 48;
  if (lastKept % 2 === 1) return rounded; // rounding up lands on an even digit
  const kept = digits.slice(0, precision);
  return `${negative ? '-' : ''}${kept[0]}${precision > 1 ? '.' + kept.slice(1) : ''}${exact.slice(ePos)}`;
}

/**
 * Formats like C's `printf("%.{precision}g", x)`. JavaScript's toExponential is correctly rounded, like glibc;
 * the only possible difference is an exact decimal tie, which glibc breaks to even and JavaScript upwards —
 * impossible at 17 digits for a double and rare at 6.
 */
export function formatG(x: number, precision: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  let exp = x.toExponential(precision - 1); // "-d.ddde+X"
  if (precision < 100) {
    const longer = x.toExponential(precision);
    if (longer.charCodeAt(longer.indexOf('e') - 1) === 53) exp = halfEven(x, precision, exp);
  }
  const ePos = exp.indexOf('e');
  const exponent = Number(exp.slice(ePos + 1));
  const negative = exp.charCodeAt(0) === 45;
  let digits = exp.slice(negative ? 1 : 0, ePos).replace('.', '');
  if (exponent < -4 || exponent >= precision) {
    let mantissa = digits[0];
    const rest = digits.slice(1).replace(/0+$/, '');
    if (rest.length > 0) mantissa += '.' + rest;
    const absExp = Math.abs(exponent);
    return `${negative ? '-' : ''}${mantissa}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  let out: string;
  if (exponent >= 0) {
    const intPart = digits.slice(0, exponent + 1);
    const frac = digits.slice(exponent + 1).replace(/0+$/, '');
    out = frac.length > 0 ? `${intPart}.${frac}` : intPart;
  } else {
    digits = digits.replace(/0+$/, '');
    out = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  return negative ? '-' + out : out;
}

/** "%.17g": enough digits to round-trip any double (LightGBM's high-precision fields and prediction output). */
export function formatDouble17(x: number): string {
  return formatG(x, 17);
}

/** "%g": six significant digits (LightGBM's low-precision fields). */
export function formatDouble6(x: number): string {
  return formatG(x, 6);
}
