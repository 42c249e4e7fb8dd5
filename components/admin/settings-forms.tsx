// The Settings page's edit forms, one per group: each input holds the console's override (empty
// when none), its placeholder the environment default, its hint the value in force now.
import { ActionForm, type FieldSpec } from '@/components/ui/action-form';
import { saveSettingsAction } from '@/app/admin/settings/actions';
import type { SettingName, SettingOverrides } from '@/server/domain/settings';

export interface SettingRow {
  name: SettingName;
  label: string;
  /** The environment's value as typed in the form ('' when unset). */
  envDefault: string;
  variable: string;
  /** Unit or format, said in the label's hint. */
  hint: string;
}

function asText(value: SettingOverrides[SettingName]): string {
  if (value === undefined) return '';
  if (value === null) return 'off';
  return Array.isArray(value) ? (value.length ? value.join(', ') : 'off') : String(value);
}

export function SettingsForm({
  title,
  submitLabel,
  id,
  rows,
  overrides,
}: {
  title: string;
  submitLabel: string;
  id: string;
  rows: SettingRow[];
  overrides: SettingOverrides;
}) {
  const fields: FieldSpec[] = rows.map((row) => {
    const override = asText(overrides[row.name]);
    const source = override ? 'overridden here' : `from ${row.variable}${row.envDefault ? '' : ' (unset)'}`;
    return {
      name: row.name,
      label: row.label,
      type: 'text',
      defaultValue: override,
      placeholder: row.envDefault || 'off',
      hint: `${row.hint} Now ${source}. Leave empty to use the environment's value.`,
    };
  });
  return (
    // A plain card, not a named region: "Change SMTP limits" would otherwise also match the
    // read-only "SMTP limits" region for anyone finding regions by name.
    <div className="card mb-6">
      <h2 id={id} className="mb-3 font-semibold">
        {title}
      </h2>
      <ActionForm action={saveSettingsAction} fields={fields} submitLabel={submitLabel} testId={id} />
    </div>
  );
}
