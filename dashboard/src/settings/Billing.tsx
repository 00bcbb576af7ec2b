import { useEffect, useState } from 'preact/hooks';
import { checkout as startCheckout, getBalance, getPayment, grantCredits, ledger as ledgerPage, packsOnSale, type Balance, type Pack } from '../api/billing';
import { href } from '../route';
import { ErrorNote, useInterval, useLatest, useLoad } from '../ui';
import { Field, FormError, Section, useAction, when } from './kit';
import { MoreButton, usePaged } from './paged';
import type { SectionProps } from './Settings';

// The contract types a ledger entry's kind and a payment's status as free text; these are the values the API writes.
const kinds: Record<string, string | undefined> = {
  monthly_grant: 'Free credits of the month', reply: 'Agent reply', purchase: 'Purchase', refund: 'Refund or chargeback',
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payment the provider sent the payer back for: `#/p/{projectId}/settings/billing/{paymentId}`. */
function returnedPayment(): string | null {
  const id = location.hash.split('/')[5];
  return id && uuid.test(id) ? id : null;
}

function price(amount: number, currency: string | null): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency ?? '' }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency ?? ''}`;
  }
}

export function Billing({ projectId, role }: SectionProps) {
  const balance = useLoad(() => getBalance(projectId), [projectId]);
  const [ledgerVersion, setLedgerVersion] = useState(0);
  const changed = () => { void balance.reload(); setLedgerVersion((v) => v + 1); };
  const paymentId = returnedPayment();
  return (
    <Section title="Billing" intro="One credit per agent reply; everything else is free. Free credits are spent first and do not carry over; purchased credits never expire.">
      <ErrorNote error={balance.error} />
      {paymentId && <Returned projectId={projectId} paymentId={paymentId} onSettled={changed} />}
      {balance.data && <BalanceCard balance={balance.data} />}
      {role === 'owner' && balance.data && ((balance.data.payment_providers?.length ?? 0) > 0
        ? <Packs projectId={projectId} />
        : <p class="card muted" role="note">Buying credits is not set up on this server: no payment provider (Stripe or YooKassa) is configured.</p>)}
      {role === 'owner' && balance.data?.development_grants && <DevelopmentGrant projectId={projectId} onGranted={changed} />}
      <Ledger key={ledgerVersion} projectId={projectId} />
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

/** The packs on sale; "Buy" opens a checkout and sends the browser to the provider's page. */
function Packs({ projectId }: { projectId: string }) {
  const packs = useLoad(() => packsOnSale(projectId), [projectId]);
  const buy = useAction();
  async function checkout(pack: Pack, currency: string) {
    await buy.run(async () => {
      const started = await startCheckout(projectId, pack.id ?? '', currency);
      if (started.checkout_url) window.location.assign(started.checkout_url);
    });
  }
  return (
    <div class="card" aria-label="Buy credits">
      <h3>Buy credits</h3>
      <ErrorNote error={packs.error} />
      <ul class="packs" style={{ listStyle: 'none', padding: 0, display: 'grid', gap: '0.5rem' }}>
        {packs.data?.items?.map((pack) => (
          <li key={pack.id} style={{ display: 'flex', flexWrap: 'wrap', gap: '0.5rem', alignItems: 'center' }}>
            <strong style={{ minWidth: '7rem' }}>{pack.credits} credits</strong>
            {pack.prices?.map((p) => (
              <button key={p.currency} class="primary" disabled={buy.busy} aria-label={`Buy ${pack.credits} credits for ${price(p.amount, p.currency)}`}
                onClick={() => void checkout(pack, p.currency ?? '')}>
                {price(p.amount, p.currency)}
              </button>
            ))}
          </li>
        ))}
      </ul>
      <FormError error={buy.error} fields={['pack_id', 'currency', 'return_url']} />
    </div>
  );
}

const outcomes: Record<string, string | undefined> = {
  pending: 'Waiting for the payment provider to confirm the payment…',
  succeeded: 'Payment received: the credits were added.',
  canceled: 'The payment was cancelled; nothing was charged.',
  refunded: 'This payment was refunded; its credits were taken back.',
};

/** Back from the provider: the payment's status, asked again every 2 s while the provider has not reported it. */
function Returned(props: { projectId: string; paymentId: string; onSettled: () => void }) {
  const payment = useLoad(() => getPayment(props.projectId, props.paymentId), [props.projectId, props.paymentId]);
  const status = payment.data?.status;
  useInterval(() => { if (status === 'pending') void payment.reload(); }, 2000);
  // Once per settled status: the parent's callback is a new closure on every render.
  const onSettled = useLatest(props.onSettled);
  useEffect(() => { if (status && status !== 'pending') onSettled.current(); }, [status, onSettled]);
  return (
    <div class="card" role="status" aria-label="Payment">
      <ErrorNote error={payment.error} />
      {payment.data && <p>{outcomes[payment.data.status ?? '']} ({payment.data.credits} credits, {price(payment.data.amount, payment.data.currency)})</p>}
    </div>
  );
}

/** Development only (Zapnoty:Billing:DevelopmentGrants): credits without a payment, for local trials. */
function DevelopmentGrant(props: { projectId: string; onGranted: () => void }) {
  const [amount, setAmount] = useState('100');
  const grant = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    const credits = Number(amount);
    const reference = `dashboard-${Date.now().toString(36)}`;
    if (await grant.run(() => grantCredits(props.projectId, Number.isInteger(credits) ? credits : amount, reference))) props.onGranted();
  }
  return (
    <form class="card inline-form" onSubmit={submit} noValidate>
      <Field label="Credits to grant (development only)" name="amount" error={grant.error}>
        <input inputMode="numeric" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </Field>
      <button disabled={grant.busy}>Grant credits</button>
      <FormError error={grant.error} fields={['amount', 'reference']} />
    </form>
  );
}

function Ledger(props: { projectId: string }) {
  const ledger = usePaged((cursor) => ledgerPage(props.projectId, { limit: 25, cursor: cursor ?? undefined }), [props.projectId]);
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
                <tr key={e.id}>
                  <td class="muted">{when(e.at)}</td>
                  <td>
                    {kinds[e.kind ?? ''] ?? e.kind}
                    {e.ticket_id && <> · <a href={href({ page: 'tickets', projectId: props.projectId, ticketId: e.ticket_id })}>ticket</a></>}
                    {e.reference && <> · <code>{e.reference}</code></>}
                  </td>
                  <td class="num">{e.amount < 0 ? `−${Math.abs(e.amount)}` : `+${e.amount}`}</td>
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
