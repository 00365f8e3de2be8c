import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { settle, type Problem } from '../../api/client';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useQueueT } from '../../queue/i18n';
import { queueProblemMessage } from '../../queue/problems';
import type { Group, GroupPatch, NewGroup, Setup } from '../../queue/queue.api';
import { staffApi } from '../session';

/** Procedure codes typed one per line or separated by spaces or commas. */
const codesOf = (text: string) => [
  ...new Set(
    text
      .split(/[\s,;]+/)
      .map((c) => c.trim())
      .filter(Boolean),
  ),
];

/** A point's service groups (with their procedures) and counters; managers create and change them. */
export default function SetupSection({ unitId }: { unitId: number }) {
  const { t, lang } = useQueueT();
  const id = useId();
  const [state, retry] = useApi(
    (signal) => settle(staffApi.GET('/queue/points/{unitId}/setup', { params: { path: { unitId } }, signal })),
    [unitId],
  );
  const [editing, setEditing] = useState<number | null>(null);
  const [message, setMessage] = useState('');
  useEffect(() => {
    setEditing(null);
    setMessage('');
  }, [unitId]);
  const saved = (text: string) => {
    setMessage(text);
    setEditing(null);
    retry();
  };
  if (state.status === 'loading') return <Loading label={t('common.loading')} />;
  if (state.status === 'error') return <ProblemAlert problem={state.problem} onRetry={retry} />;
  const s = state.data;
  return (
    <section aria-labelledby={`${id}-h`} className="queue-section">
      <h2 id={`${id}-h`} className="visually-hidden">
        {t('manage.tabSetup')}
      </h2>
      <p role="status" className={message ? 'notice notice-green' : 'visually-hidden'}>
        {message}
      </p>
      <section className="card section" aria-labelledby={`${id}-g`}>
        <h3 id={`${id}-g`}>{t('setup.groups')}</h3>
        {s.groups.length === 0 ? (
          <p>{t('setup.noGroups')}</p>
        ) : (
          <table className="st-table setup-groups">
            <thead>
              <tr>
                <th scope="col">{t('setup.group')}</th>
                <th scope="col" className="num">
                  {t('setup.target')}
                </th>
                <th scope="col">{t('setup.booking')}</th>
                <th scope="col">{t('setup.procedures')}</th>
                <th scope="col">{t('setup.state')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('setup.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.groups.map((g) => (
                <tr key={g.id}>
                  <th scope="row" data-label={t('setup.group')}>
                    <span className="group-code">{g.code}</span> {lang === 'en' ? g.nameEn : g.nameVi}
                  </th>
                  <td className="num" data-label={t('setup.target')}>
                    {t('setup.minutes', { count: Math.round(g.targetWaitSeconds / 60) })}
                  </td>
                  <td data-label={t('setup.booking')}>
                    {g.slotCapacity > 0
                      ? t('setup.bookingOn', { capacity: g.slotCapacity, minutes: g.slotMinutes })
                      : t('setup.bookingOff')}
                  </td>
                  <td data-label={t('setup.procedures')}>
                    {g.procedureCodes.length === 0 ? (
                      <span className="muted">{t('setup.noProcedures')}</span>
                    ) : (
                      <details className="setup-codes">
                        <summary>{t('setup.procedureCount', { count: g.procedureCodes.length })}</summary>
                        <p className="code small">{g.procedureCodes.join(', ')}</p>
                      </details>
                    )}
                  </td>
                  <td data-label={t('setup.state')}>
                    <span className={`badge ${g.active ? 'badge-green' : 'badge-grey'}`}>
                      {g.active ? t('setup.open') : t('setup.closed')}
                    </span>
                  </td>
                  <td data-label={t('setup.actions')}>
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      aria-expanded={editing === g.id}
                      onClick={() => setEditing(editing === g.id ? null : g.id)}
                    >
                      {t('setup.edit')}
                      <span className="visually-hidden"> {g.code}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {editing !== null && s.groups.some((g) => g.id === editing) && (
          <GroupForm
            key={editing}
            group={s.groups.find((g) => g.id === editing)!}
            unitId={unitId}
            onSaved={saved}
            onCancel={() => setEditing(null)}
          />
        )}
        <details className="setup-new">
          <summary>{t('setup.newGroup')}</summary>
          <GroupForm unitId={unitId} onSaved={saved} />
        </details>
      </section>
      <section className="card section" aria-labelledby={`${id}-c`}>
        <h3 id={`${id}-c`}>{t('setup.counters')}</h3>
        {s.counters.length === 0 ? (
          <p>{t('setup.noCounters')}</p>
        ) : (
          <table className="st-table setup-counters">
            <thead>
              <tr>
                <th scope="col">{t('setup.counter')}</th>
                <th scope="col">{t('setup.sitting')}</th>
                <th scope="col">{t('setup.since')}</th>
              </tr>
            </thead>
            <tbody>
              {s.counters.map((c) => (
                <tr key={c.id}>
                  <th scope="row" data-label={t('setup.counter')}>
                    {lang === 'en' ? c.nameEn : c.nameVi}
                    {!c.active && <span className="badge badge-grey">{t('setup.outOfService')}</span>}
                  </th>
                  <td data-label={t('setup.sitting')}>{c.staffName ?? <span className="muted">{t('setup.nobody')}</span>}</td>
                  <td data-label={t('setup.since')}>{c.openedAt ? formatDateTime(c.openedAt, lang) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <details className="setup-new">
          <summary>{t('setup.newCounter')}</summary>
          <CounterForm unitId={unitId} next={Math.max(0, ...s.counters.map((c) => c.number)) + 1} onSaved={saved} />
        </details>
      </section>
      <section className="card section" aria-labelledby={`${id}-k`}>
        <h3 id={`${id}-k`}>{t('setup.clerks')}</h3>
        <p className="hint">{t('setup.clerksHint')}</p>
        {s.clerks.length === 0 ? (
          <p>{t('setup.noClerks')}</p>
        ) : (
          <div className="table-scroll">
            <table className="st-table setup-clerks">
              <thead>
                <tr>
                  <th scope="col">{t('setup.clerk')}</th>
                  {s.groups
                    .filter((g) => g.active)
                    .map((g) => (
                      <th scope="col" key={g.id} className="num">
                        <span className="group-code">{g.code}</span>
                      </th>
                    ))}
                  <th scope="col">
                    <span className="visually-hidden">{t('setup.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.clerks.map((c) => (
                  <ClerkRow key={c.staffId} clerk={c} groups={s.groups.filter((g) => g.active)} onSaved={saved} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

/** One clerk's groups and weights: "—" (not served) or 1–10 per open group; every group at 1 is saved as "every group". */
function ClerkRow({ clerk, groups, onSaved }: { clerk: Setup['clerks'][number]; groups: Group[]; onSaved: (message: string) => void }) {
  const { t, lang } = useQueueT();
  const initial = () =>
    Object.fromEntries(
      groups.map((g) => [g.id, clerk.groups.length === 0 ? 1 : (clerk.groups.find((x) => x.groupId === g.id)?.weight ?? 0)]),
    );
  const [weights, setWeights] = useState<Record<number, number>>(initial);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [none, setNone] = useState(false);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setProblem(null);
    const chosen = groups.filter((g) => (weights[g.id] ?? 0) > 0).map((g) => ({ groupId: g.id, weight: weights[g.id]! }));
    // An empty list means "every group" to the API: a clerk with every group unticked is a mistake, not that.
    setNone(chosen.length === 0);
    if (chosen.length === 0) return setBusy(false);
    const everyGroup = chosen.length === groups.length && chosen.every((x) => x.weight === 1);
    const r = await settle(
      staffApi.PUT('/queue/staff/{id}/groups', { params: { path: { id: clerk.staffId } }, body: { groups: everyGroup ? [] : chosen } }),
    );
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    onSaved(t('setup.clerkSaved', { name: clerk.fullName }));
  };
  return (
    <tr>
      <th scope="row" data-label={t('setup.clerk')}>
        {clerk.fullName}
        <span className="muted small">
          {' '}
          · {clerk.username}
          {clerk.groups.length === 0 ? ` · ${t('setup.allGroups')}` : ''}
        </span>
        {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
        {none && (
          <p role="alert" className="notice notice-amber">
            {t('setup.pickOne')}
          </p>
        )}
      </th>
      {groups.map((g) => (
        <td key={g.id} className="num" data-label={g.code}>
          <select
            aria-label={t('setup.weightOf', { group: `${g.code} (${lang === 'en' ? g.nameEn : g.nameVi})`, name: clerk.fullName })}
            value={weights[g.id] ?? 0}
            onChange={(e) => setWeights((w) => ({ ...w, [g.id]: Number(e.target.value) }))}
          >
            <option value={0}>—</option>
            {Array.from({ length: 10 }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        </td>
      ))}
      <td data-label={t('setup.actions')}>
        <button type="button" className="button button-secondary button-small" disabled={busy} aria-busy={busy} onClick={() => void save()}>
          {t('setup.saveClerk')}
          <span className="visually-hidden"> {clerk.fullName}</span>
        </button>
      </td>
    </tr>
  );
}

/** Creates a group (no `group`) or changes one. */
function GroupForm({
  unitId,
  group,
  onSaved,
  onCancel,
}: {
  unitId: number;
  group?: Group;
  onSaved: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useQueueT();
  const id = useId();
  const [code, setCode] = useState('');
  const [nameVi, setNameVi] = useState(group?.nameVi ?? '');
  const [nameEn, setNameEn] = useState(group?.nameEn ?? '');
  const [target, setTarget] = useState(String(Math.round((group?.targetWaitSeconds ?? 900) / 60)));
  const [slotMinutes, setSlotMinutes] = useState(String(group?.slotMinutes ?? 30));
  const [capacity, setCapacity] = useState(String(group?.slotCapacity ?? 0));
  const [procedures, setProcedures] = useState((group?.procedureCodes ?? []).join('\n'));
  const [active, setActive] = useState(group?.active ?? true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (group) first.current?.focus();
  }, [group]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const fields = {
      nameVi: nameVi.trim(),
      nameEn: nameEn.trim(),
      targetWaitSeconds: Math.round(Number(target) * 60),
      slotMinutes: Number(slotMinutes),
      slotCapacity: Number(capacity),
      procedureCodes: codesOf(procedures),
    };
    const r = group
      ? await settle(
          staffApi.PATCH('/queue/groups/{id}', { params: { path: { id: group.id } }, body: { ...fields, active } satisfies GroupPatch }),
        )
      : await settle(
          staffApi.POST('/queue/points/{unitId}/groups', {
            params: { path: { unitId } },
            body: { code: code.trim().toUpperCase(), ...fields } satisfies NewGroup,
          }),
        );
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    onSaved(group ? t('setup.groupSaved', { code: r.data.code }) : t('setup.groupCreated', { code: r.data.code }));
  };
  const fieldOf = (p: Problem | null) => p?.field?.replace(/^body\./, '');
  const invalid = (f: string) => (fieldOf(problem) === f ? true : undefined);
  return (
    <form
      className={group ? 'setup-form card' : 'setup-form'}
      onSubmit={(e) => void submit(e)}
      aria-label={group ? t('setup.editGroup', { code: group.code }) : t('setup.newGroup')}
    >
      {group && <h4>{t('setup.editGroup', { code: group.code })}</h4>}
      <div className="field-row">
        {!group && (
          <div className="field">
            <label htmlFor={`${id}-code`}>{t('setup.code')}</label>
            <p className="hint" id={`${id}-code-h`}>
              {t('setup.codeHint')}
            </p>
            <input
              id={`${id}-code`}
              type="text"
              className="input-short"
              value={code}
              onChange={(e) => setCode(e.target.value.toUpperCase())}
              maxLength={2}
              required
              aria-invalid={invalid('code')}
              aria-describedby={`${id}-code-h`}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-vi`}>{t('setup.nameVi')}</label>
          <input
            ref={first}
            id={`${id}-vi`}
            type="text"
            value={nameVi}
            onChange={(e) => setNameVi(e.target.value)}
            required
            minLength={2}
            maxLength={200}
            aria-invalid={invalid('nameVi')}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-en`}>{t('setup.nameEn')}</label>
          <input
            id={`${id}-en`}
            type="text"
            lang="en"
            value={nameEn}
            onChange={(e) => setNameEn(e.target.value)}
            required
            minLength={2}
            maxLength={200}
            aria-invalid={invalid('nameEn')}
          />
        </div>
      </div>
      <div className="field-row setup-numbers">
        <div className="field">
          <label htmlFor={`${id}-t`}>{t('setup.targetMinutes')}</label>
          <input
            id={`${id}-t`}
            type="number"
            min={1}
            max={240}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            required
            aria-invalid={invalid('targetWaitSeconds')}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-cap`}>{t('setup.capacity')}</label>
          <input
            id={`${id}-cap`}
            type="number"
            min={0}
            max={1000}
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
            required
            aria-invalid={invalid('slotCapacity')}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-sm`}>{t('setup.slotMinutes')}</label>
          <input
            id={`${id}-sm`}
            type="number"
            min={5}
            max={240}
            value={slotMinutes}
            onChange={(e) => setSlotMinutes(e.target.value)}
            required
            aria-invalid={invalid('slotMinutes')}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-p`}>{t('setup.procedureCodes')}</label>
        <p className="hint" id={`${id}-p-h`}>
          {t('setup.procedureCodesHint')}
        </p>
        <textarea
          id={`${id}-p`}
          className="code-input"
          rows={3}
          value={procedures}
          onChange={(e) => setProcedures(e.target.value)}
          aria-invalid={invalid('procedureCodes')}
          aria-describedby={`${id}-p-h`}
        />
      </div>
      {group && (
        <div className="check">
          <input id={`${id}-a`} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <label htmlFor={`${id}-a`}>{t('setup.activeLabel')}</label>
        </div>
      )}
      {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          {group ? t('setup.save') : t('setup.create')}
        </button>
        {onCancel && (
          <button type="button" className="button button-secondary" onClick={onCancel}>
            {t('counter.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function CounterForm({ unitId, next, onSaved }: { unitId: number; next: number; onSaved: (message: string) => void }) {
  const { t } = useQueueT();
  const id = useId();
  const [number, setNumber] = useState(String(next));
  const [nameVi, setNameVi] = useState('');
  const [nameEn, setNameEn] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setNumber(String(next)), [next]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const body = {
      number: Number(number),
      ...(nameVi.trim() ? { nameVi: nameVi.trim() } : {}),
      ...(nameEn.trim() ? { nameEn: nameEn.trim() } : {}),
    };
    const r = await settle(staffApi.POST('/queue/points/{unitId}/counters', { params: { path: { unitId } }, body }));
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    setNameVi('');
    setNameEn('');
    onSaved(t('setup.counterCreated', { counter: r.data.nameVi }));
  };
  return (
    <form className="setup-form" onSubmit={(e) => void submit(e)} aria-label={t('setup.newCounter')}>
      <div className="field-row setup-numbers">
        <div className="field">
          <label htmlFor={`${id}-n`}>{t('setup.counterNumber')}</label>
          <input
            id={`${id}-n`}
            type="number"
            min={1}
            max={999}
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            required
            aria-invalid={problem?.field === 'body.number' ? true : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-vi`}>
            {t('setup.counterNameVi')} <span className="optional">{t('setup.optional')}</span>
          </label>
          <input
            id={`${id}-vi`}
            type="text"
            value={nameVi}
            onChange={(e) => setNameVi(e.target.value)}
            maxLength={100}
            placeholder={`Quầy ${number}`}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-en`}>
            {t('setup.counterNameEn')} <span className="optional">{t('setup.optional')}</span>
          </label>
          <input
            id={`${id}-en`}
            type="text"
            lang="en"
            value={nameEn}
            onChange={(e) => setNameEn(e.target.value)}
            maxLength={100}
            placeholder={`Counter ${number}`}
          />
        </div>
      </div>
      {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
      <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
        {t('setup.createCounter')}
      </button>
    </form>
  );
}
