import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { cached, newIdempotencyKey, settle, type Problem, type Unit } from '../api/client';
import type { paths } from '../api/schema';
import { ProblemAlert } from '../components/ProblemAlert';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { useSession } from './shared';

/** What POST /feedback answers: the code, and the secret shown once (the detail page shows it to give the sender). */
export type FeedbackFiledByStaff = paths['/feedback']['post']['responses'][201]['content']['application/json'];

type Kind = 'dossier' | 'procedure' | 'unit' | 'staff_conduct';
const KINDS: Kind[] = ['dossier', 'unit', 'procedure', 'staff_conduct'];

/**
 * The form a staff member fills for feedback a citizen gave at the counter or by the hotline (POST /feedback); on
 * success, the new feedback's page, with its code and secret to hand over.
 */
export function FeedbackRecordForm({ onCancel }: { onCancel: () => void }) {
  const { t, lang } = useStaffT();
  const { me } = useSession();
  const id = useId();
  const navigate = useNavigate();
  const first = useRef<HTMLInputElement>(null);
  const [channel, setChannel] = useState<'counter' | 'hotline'>('counter');
  const [kind, setKind] = useState<Kind>('unit');
  const [units, setUnits] = useState<Unit[]>([]);
  const [form, setForm] = useState({
    dossierCode: '',
    procedureCode: '',
    unitId: String(me.unitId),
    staffName: '',
    title: '',
    content: '',
    name: '',
    phone: '',
    email: '',
  });
  const [consent, setConsent] = useState(true);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  // One key per form: a retry after a lost answer gets the first answer instead of a second feedback.
  const [key] = useState(newIdempotencyKey);
  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    void cached('staff-feedback-units', () => settle(staffApi.GET('/units'))).then((r) => {
      if (r.ok) setUnits(r.data.filter((u) => u.kind !== 'province'));
    });
  }, []);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (kind === 'dossier' && !form.dossierCode.trim()) return setInvalid(t('feedback.record.needDossier'));
    if (kind === 'procedure' && !form.procedureCode.trim()) return setInvalid(t('feedback.record.needProcedure'));
    if ((kind === 'unit' || kind === 'staff_conduct') && !form.unitId) return setInvalid(t('feedback.record.needUnit'));
    if (form.title.trim().length < 5 || form.content.trim().length < 10) return setInvalid(t('feedback.record.tooShort'));
    setInvalid(null);
    const subject =
      kind === 'dossier'
        ? { kind, dossierCode: form.dossierCode.trim() }
        : kind === 'procedure'
          ? { kind, procedureCode: form.procedureCode.trim() }
          : {
              kind,
              unitId: Number(form.unitId),
              ...(kind === 'staff_conduct' && form.staffName.trim() ? { staffName: form.staffName.trim() } : {}),
            };
    const sender = {
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
      ...(form.email.trim() ? { email: form.email.trim() } : {}),
    };
    setSending(true);
    const r = await settle(
      staffApi.POST('/feedback', {
        params: { header: { 'idempotency-key': key } },
        body: {
          channel,
          subject,
          title: form.title.trim(),
          content: form.content.trim(),
          publishConsent: consent,
          lang,
          ...(Object.keys(sender).length ? { sender } : {}),
        },
      }),
    );
    setSending(false);
    if (!r.ok) return setProblem(r.problem);
    navigate(`/can-bo/phan-anh/${encodeURIComponent(r.data.code)}`, { state: { filed: r.data } });
  };

  const errId = `${id}-err`;
  return (
    <form
      className="card feedback-record"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-h`}
      data-testid="feedback-record"
    >
      <h2 id={`${id}-h`}>{t('feedback.record.title')}</h2>
      <p className="muted small">{t('feedback.record.lead')}</p>
      <fieldset className="feedback-record-row">
        <legend>{t('feedback.record.channel')}</legend>
        <div className="segmented">
          {(['counter', 'hotline'] as const).map((c, i) => (
            <label key={c} className="segment">
              <input
                ref={i === 0 ? first : undefined}
                type="radio"
                name={`${id}-ch`}
                value={c}
                checked={channel === c}
                onChange={() => setChannel(c)}
              />
              <span>{t(`feedback.channel.${c}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="feedback-record-grid">
        <div className="field">
          <label htmlFor={`${id}-k`}>{t('feedback.record.about')}</label>
          <select id={`${id}-k`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`feedback.kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'dossier' && (
          <div className="field">
            <label htmlFor={`${id}-d`}>{t('feedback.record.dossierCode')}</label>
            <input
              id={`${id}-d`}
              value={form.dossierCode}
              onChange={set('dossierCode')}
              maxLength={40}
              spellCheck={false}
              autoComplete="off"
            />
          </div>
        )}
        {kind === 'procedure' && (
          <div className="field">
            <label htmlFor={`${id}-p`}>{t('feedback.record.procedureCode')}</label>
            <input id={`${id}-p`} value={form.procedureCode} onChange={set('procedureCode')} maxLength={32} placeholder="1.001193" />
          </div>
        )}
        {(kind === 'unit' || kind === 'staff_conduct') && (
          <div className="field">
            <label htmlFor={`${id}-u`}>{t('feedback.record.unit')}</label>
            <select id={`${id}-u`} value={form.unitId} onChange={set('unitId')}>
              <option value="">{t('feedback.record.chooseUnit')}</option>
              {units.map((u) => (
                <option key={u.id} value={u.id} lang="vi">
                  {u.nameVi}
                </option>
              ))}
            </select>
          </div>
        )}
        {kind === 'staff_conduct' && (
          <div className="field">
            <label htmlFor={`${id}-sn`}>{t('feedback.record.staffName')}</label>
            <input id={`${id}-sn`} value={form.staffName} onChange={set('staffName')} maxLength={120} />
          </div>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-t`}>{t('feedback.record.titleField')}</label>
        <input
          id={`${id}-t`}
          value={form.title}
          onChange={set('title')}
          maxLength={200}
          required
          aria-describedby={invalid ? errId : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-c`}>{t('feedback.record.content')}</label>
        <textarea
          id={`${id}-c`}
          value={form.content}
          onChange={set('content')}
          maxLength={5000}
          rows={5}
          required
          aria-describedby={invalid ? errId : undefined}
        />
      </div>
      <fieldset>
        <legend>{t('feedback.record.sender')}</legend>
        <p className="hint">{t('feedback.record.senderHint')}</p>
        <div className="feedback-record-grid">
          <div className="field">
            <label htmlFor={`${id}-n`}>{t('feedback.record.name')}</label>
            <input id={`${id}-n`} value={form.name} onChange={set('name')} maxLength={120} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-ph`}>{t('feedback.record.phone')}</label>
            <input id={`${id}-ph`} value={form.phone} onChange={set('phone')} maxLength={20} inputMode="tel" autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-e`}>{t('feedback.record.email')}</label>
            <input id={`${id}-e`} type="email" value={form.email} onChange={set('email')} maxLength={254} autoComplete="off" />
          </div>
        </div>
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} /> {t('feedback.record.consent')}
      </label>
      <p id={errId} className="field-error" role={invalid ? 'alert' : undefined}>
        {invalid}
      </p>
      {problem && <ProblemAlert problem={problem} />}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={sending} aria-busy={sending}>
          {sending ? t('feedback.record.sending') : t('feedback.record.submit')}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          {t('feedback.record.cancel')}
        </button>
      </div>
    </form>
  );
}
