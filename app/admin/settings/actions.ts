'use server';
import { revalidatePath } from 'next/cache';
import { requireSuper } from '@/server/domain';
import { SETTING_NAMES, saveSettingOverrides, type SettingName } from '@/server/domain/settings';
import { requireAdmin } from '@/server/web/session';
import { runForm, type FormState } from '@/server/web/form-state';

/** One settings group's form: only the fields it shows are touched; an empty field clears its override. */
export async function saveSettingsAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    requireSuper(actor);
    const input: Partial<Record<SettingName, string>> = {};
    for (const name of SETTING_NAMES) {
      const value = form.get(name);
      if (typeof value === 'string') input[name] = value;
    }
    await saveSettingOverrides(input, actor);
    revalidatePath('/admin/settings');
    return 'Saved. The mail worker applies it within about 10 seconds, no restart needed.';
  });
}
