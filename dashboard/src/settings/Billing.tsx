import { useState } from 'preact/hooks';
import { api, query, segment } from '../api';
import { href } from '../route';
import type { Page } from '../types';
import { ErrorNote, useLoad } from '../ui';
import { Field, FormError, Section, useAction, when } from './kit';
import { MoreButton, usePaged } from './paged';
import type { SectionProps } from './Settings';

interface Balance { month: string; free_credits_left: number; purchased_credits: number; free_credits_per_month: number; credits_left: number }
interface LedgerEntry {
  id: number; at: string; kind: 'monthly_grant' | 'reply' | 'purchase'; amount: number; month: string; free_after: number; purchased_after: number;
  ticket_id: string | null; message_id: string | null; reference: string | null;
}

const kinds: Record<LedgerEntry['kind'], string> = { monthly_grant: 'Free credits of the month', reply: 'Agent reply', purchase: 'Purchase' };

export function Billing({ projectId, role }: SectionProps) {
  const base = `/projects/${segment(projectId)}/billing`;
  const balance = useLoad(() => api<Balance>('GET', base), [projectId]);
  const [ledgerVersion, setLedgerVersion] = useState(0);
  return (
    <Section title="Billing" intro="One credit per agent reply; everything else is free. Free credits are spent first and do not carry over; purchased credits never expire.">
      <ErrorNote error={balance.error} />
      {balance.data && <BalanceCard balance={balance.data} />}
      {role === 'owner' && <Purchase base={base} onBought={(b) => { balance.setData(b); setLedgerVersion(ledgerVersion + 1); }} />}
      <Ledger key={ledgerVersion} base={base} projectId={projectId} />
    </Section>
  );
}

function BalanceCard({ balance }: { balance: Balance }) {
  return (
    <div class="card balance" aria-label="Balance">
      <div><span class="big">{balance.credits_left}</span><span class="muted">credits left</span></div>
      <div><span class="big">{balance.free_credits_left}<small> / {balance.free_credits_per_month}</small></span><span class="muted">free in {balance.month}</span></div>
      <div><span class="big">{balance.purchased_credits}</span><span class="muted">purchased</span></div>
    </div>
  );
}

function Purchase(props: { base: string; onBought: (b: Balance) => void }) {
  const [amount, setAmount] = useState('100');
  const [reference, setReference] = useState(() => `dashboard-${Date.now().toString(36)}`);
  const [bought, setBought] = useState<string | null>(null);
  const buy = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    setBought(null);
    const credits = Number(amount);
    await buy.run(async () => {
      const result = await api<{ balance: Balance }>('POST', `${props.base}/credits`, { amount: Number.isInteger(credits) ? credits : amount, reference });
      props.onBought(result.balance);
      setBought(`Added ${credits} credits.`);
      setReference(`dashboard-${Date.now().toString(36)}`);
    });
  }
  return (
    <form class="card inline-form" onSubmit={submit} noValidate>
      <Field label="Credits to buy" name="amount" error={buy.error}>
        <input inputMode="numeric" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </Field>
      <Field label="Payment reference" name="reference" error={buy.error} hint="The payment's id; the same reference is never counted twice.">
        <input value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
      </Field>
      <button class="primary" disabled={buy.busy}>Buy credits</button>
      {bought && <span class="saved" role="status">{bought}</span>}
      <FormError error={buy.error} fields={['amount', 'reference']} />
    </form>
  );
}

function Ledger(props: { base: string; projectId: string }) {
  const ledger = usePaged((cursor) => api<Page<LedgerEntry>>('GET', `${props.base}/ledger${query({ limit: 25, cursor })}`), [props.base]);
  const items = ledger.items;
  return (
    <div class="card">
      <h3>Ledger</h3>
      <ErrorNote error={ledger.error} />
      {ledger.loaded && items.length === 0 && <p class="muted">Nothing yet: the month's free credits appear with the first reply.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="ledger">
            <thead><tr><th>When</th><th>What</th><th class="num">Credits</th><th class="num">Free after</th><th class="num">Purchased after</th></tr></thead>
            <tbody>
              {items.map((e) => (
                <tr>
                  <td class="muted">{when(e.at)}</td>
                  <td>
                    {kinds[e.kind] ?? e.kind}
                    {e.ticket_id && <> · <a href={href({ page: 'tickets', projectId: props.projectId, ticketId: e.ticket_id })}>ticket</a></>}
                    {e.reference && <> · <code>{e.reference}</code></>}
                  </td>
                  <td class="num">{e.kind === 'reply' ? `−${Math.abs(e.amount)}` : `+${e.amount}`}</td>
                  <td class="num">{e.free_after}</td>
                  <td class="num">{e.purchased_after}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton label="Older entries" more={ledger.more} />
    </div>
  );
}
