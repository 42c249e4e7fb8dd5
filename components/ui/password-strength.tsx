'use client';
// A live hint while typing. The server's checkPasswordStrength (server/auth/password.ts) is the
// rule that counts; this only mirrors its thresholds so the hint never promises more.
const LABELS = ['Too weak', 'Acceptable', 'Good', 'Strong', 'Very strong'];

function score(plain: string): { value: number; acceptable: boolean } {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(plain)).length;
  const acceptable = plain.length >= 10 && classes >= 2;
  let value = 0;
  if (acceptable) value++;
  if (plain.length >= 14) value++;
  if (classes >= 3) value++;
  if (classes === 4 && plain.length >= 12) value++;
  return { value: acceptable ? Math.max(value, 1) : 0, acceptable };
}

export function PasswordStrength({ password }: { password: string }) {
  if (!password)
    return <span>At least 10 characters, mixing two of: lower case, upper case, digits, symbols.</span>;
  const { value } = score(password);
  const colours = ['bg-red-500', 'bg-amber-500', 'bg-lime-500', 'bg-green-600', 'bg-green-700'];
  return (
    <span className="flex items-center gap-2" aria-live="polite">
      <span className="flex h-1.5 w-24 gap-0.5" aria-hidden="true">
        {[0, 1, 2, 3].map((step) => (
          <span
            key={step}
            className={`h-full flex-1 rounded ${step < Math.max(value, 1) ? colours[value] : 'bg-slate-200'}`}
          />
        ))}
      </span>
      <span data-strength={value}>
        Strength: {LABELS[value]}
        {value === 0 ? ' (at least 10 characters, two kinds of character)' : ''}
      </span>
    </span>
  );
}
