'use client';
// Mail > Filters: the rule builder, the vacation reply and the raw Sieve script of the signed-in
// mailbox. The builder and the vacation form save the whole set (the server writes the Sieve);
// the raw editor saves the script as typed once it compiles.
import { useCallback, useEffect, useState } from 'react';
import { EMPTY_FILTER_SET, type FilterRule, type FilterSet } from '@/server/rules-builder/types';
import type { FiltersView } from '@/server/webmail/filters';
import type { FolderView } from '@/server/webmail/types';
import type { SieveDiagnostic } from '@/server/sieve/types';
import { SignOutButton } from '@/components/ui/sign-out-button';
import * as filtersApi from './api';
import { NEW_RULE, RuleEditor } from './rule-editor';
import { RuleList } from './rule-list';
import { VacationForm } from './vacation-form';
import { ScriptEditor } from './script-editor';

type Tab = 'rules' | 'vacation' | 'script';
const TABS: { id: Tab; label: string }[] = [
  { id: 'rules', label: 'Rules' },
  { id: 'vacation', label: 'Vacation reply' },
  { id: 'script', label: 'Sieve script' },
];

export function FiltersApp({ address }: { address: string }) {
  const [view, setView] = useState<FiltersView | null>(null);
  const [folders, setFolders] = useState<FolderView[]>([]);
  const [tab, setTab] = useState<Tab>('rules');
  const [editing, setEditing] = useState<{ index: number; rule: FilterRule } | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [diagnostics, setDiagnostics] = useState<SieveDiagnostic[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  // Bumped after a save so the forms start again from what the server stored.
  const [generation, setGeneration] = useState(0);

  const reload = useCallback(async () => {
    try {
      const [filters, folderList] = await Promise.all([
        filtersApi.loadFilters(),
        fetch('/api/mail/folders', { credentials: 'same-origin' }).then(
          (r) => r.json() as Promise<{ folders?: FolderView[] }>,
        ),
      ]);
      setView(filters);
      setFolders(folderList.folders ?? []);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const set: FilterSet = view?.set ?? EMPTY_FILTER_SET;

  const run = async (work: () => Promise<FiltersView>, done: string): Promise<boolean> => {
    setBusy(true);
    setError('');
    setNotice('');
    try {
      setView(await work());
      setFields({});
      setDiagnostics([]);
      setNotice(done);
      setGeneration((g) => g + 1);
      return true;
    } catch (failure) {
      const problem = failure as filtersApi.FiltersError;
      setFields(problem.fields ?? {});
      setDiagnostics(problem.diagnostics ?? []);
      setError(problem.message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const saveSet = (next: FilterSet, done: string) => run(() => filtersApi.saveFilterSet(next), done);

  const saveRule = async (rule: FilterRule) => {
    if (!editing) return;
    const rules = [...set.rules];
    if (editing.index >= rules.length) rules.push(rule);
    else rules[editing.index] = rule;
    if (await saveSet({ ...set, rules }, `Rule "${rule.name}" saved.`)) setEditing(null);
  };

  const ruleErrors = editing ? filtersApi.fieldsUnder(fields, `rules.${editing.index}`) : {};
  const status = view ? (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="filters-status">
      {view.active ? (
        <>
          <span className="badge bg-emerald-100 text-emerald-800">Filters on</span>
          <span className="text-slate-600">
            running script <code>{view.script}</code>
            {view.set?.vacation.enabled ? ' with a vacation reply' : ''}
          </span>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            onClick={() => void run(filtersApi.turnOffFilters, 'Filters turned off. Your rules are kept.')}
          >
            Turn off
          </button>
        </>
      ) : (
        <>
          <span className="badge bg-slate-200 text-slate-700">Filters off</span>
          <span className="text-slate-600">Saving rules or a vacation reply turns them on.</span>
        </>
      )}
      {view.others.length > 0 && (
        <span className="text-slate-500">Other scripts: {view.others.map((o) => o.name).join(', ')}</span>
      )}
    </div>
  ) : null;

  return (
    <div className="min-h-dvh">
      <header className="flex items-center gap-2 border-b border-slate-200 bg-white px-3 py-2">
        <a href="/mail" className="btn btn-small">
          ← Mail
        </a>
        <h1 className="flex-1 text-base font-semibold text-brand-700">Filters</h1>
        <span className="hidden text-xs text-slate-500 sm:inline">{address}</span>
        <SignOutButton />
      </header>
      <main className="mx-auto max-w-3xl space-y-4 p-3 sm:p-6">
        {status}
        <div role="tablist" aria-label="Filters" className="flex gap-1 border-b border-slate-200">
          {TABS.map((item) => (
            <button
              key={item.id}
              type="button"
              role="tab"
              aria-selected={tab === item.id}
              className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab === item.id ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-600 hover:text-slate-900'}`}
              onClick={() => {
                setTab(item.id);
                setError('');
                setNotice('');
                setFields({});
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
        {error && tab !== 'script' && (
          <p
            role="alert"
            className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
          >
            {error}
          </p>
        )}
        {notice && tab !== 'script' && (
          <p
            role="status"
            className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
          >
            {notice}
          </p>
        )}
        {!view ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : (
          <>
            {view.handEdited && tab !== 'script' && (
              <p
                className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
                data-testid="hand-edited"
              >
                {view.handEdited} It is kept as it is until you save rules or a vacation reply here, which
                replaces it. See the Sieve script tab.
              </p>
            )}
            {tab === 'rules' &&
              (editing ? (
                <RuleEditor
                  key={`${editing.index}-${generation}`}
                  initial={editing.rule}
                  folders={folders}
                  errors={ruleErrors}
                  saving={busy}
                  onSave={(rule) => void saveRule(rule)}
                  onCancel={() => {
                    setEditing(null);
                    setFields({});
                    setError('');
                  }}
                />
              ) : (
                <>
                  <RuleList
                    rules={set.rules}
                    busy={busy}
                    onEdit={(index) => setEditing({ index, rule: set.rules[index] })}
                    onMove={(index, delta) => {
                      const rules = [...set.rules];
                      [rules[index], rules[index + delta]] = [rules[index + delta], rules[index]];
                      void saveSet({ ...set, rules }, 'Order saved.');
                    }}
                    onDelete={(index) =>
                      void saveSet(
                        { ...set, rules: set.rules.filter((_, i) => i !== index) },
                        `Rule "${set.rules[index].name}" deleted.`,
                      )
                    }
                  />
                  <button
                    type="button"
                    className="btn btn-primary"
                    onClick={() => {
                      setNotice('');
                      setEditing({ index: set.rules.length, rule: NEW_RULE });
                    }}
                  >
                    + New rule
                  </button>
                </>
              ))}
            {tab === 'vacation' && (
              <VacationForm
                key={generation}
                initial={set.vacation}
                errors={filtersApi.fieldsUnder(fields, 'vacation')}
                saving={busy}
                onSave={(vacation) =>
                  void saveSet(
                    { ...set, vacation },
                    vacation.enabled ? 'Vacation reply saved and on.' : 'Vacation reply saved; it is off.',
                  )
                }
              />
            )}
            {tab === 'script' && (
              <>
                {error && diagnostics.length === 0 && (
                  <p role="alert" className="text-sm text-red-700">
                    {fields.source ? `The script ${fields.source}.` : error}
                  </p>
                )}
                <ScriptEditor
                  key={generation}
                  initial={view.source}
                  diagnostics={diagnostics}
                  busy={busy}
                  notice={notice}
                  onSave={(source) =>
                    void run(() => filtersApi.saveScript(source), 'Script saved and active.')
                  }
                  onCheck={async (source) => {
                    setNotice('');
                    setError('');
                    try {
                      const result = await filtersApi.checkScript(source);
                      setDiagnostics(result.errors);
                      if (result.ok) setNotice('No errors found.');
                    } catch (failure) {
                      setError((failure as Error).message);
                    }
                  }}
                />
              </>
            )}
          </>
        )}
      </main>
    </div>
  );
}
