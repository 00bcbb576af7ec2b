import { useState } from 'preact/hooks';
import { connectMax, connectTelegram, disconnectBot, listBots, type Bot, type Messenger } from '../api/channels';
import { ErrorNote, useLoad } from '../ui';
import { BotTexts } from './BotTexts';
import { Confirm, Field, FormError, Section, useAction, when } from './kit';
import { Qr } from './Qr';
import { StaffGroup } from './StaffGroup';
import type { SectionProps } from './Settings';

const messengers: { id: Messenger; name: string; tokenField: string; tokenLabel: string; where: string; connect: (projectId: string, token: string) => Promise<unknown> }[] = [
  { id: 'telegram', name: 'Telegram', tokenField: 'bot_token', tokenLabel: 'Bot token', where: 'Create a bot with @BotFather in Telegram and paste the token it gives you.', connect: connectTelegram },
  { id: 'max', name: 'Max', tokenField: 'access_token', tokenLabel: 'Access token', where: 'Create a bot at business.max.ru and paste its access token.', connect: connectMax },
];

export function Channels({ projectId }: SectionProps) {
  const bots = useLoad(() => listBots(projectId), [projectId]);
  return (
    <Section title="Telegram & Max" intro="Customers open your bot's link (or scan its QR code), describe the problem and get agents' replies in the same chat.">
      <ErrorNote error={bots.error} />
      {bots.data && (
        <div class="bot-grid">
          {messengers.map((m) => (
            <BotCard key={m.id} projectId={projectId} messenger={m} bot={bots.data!.items.find((b) => b.channel === m.id)} onChanged={bots.reload} />
          ))}
        </div>
      )}
      {bots.data?.items.some((b) => b.channel === 'telegram') && <StaffGroup projectId={projectId} />}
      <BotTexts projectId={projectId} />
    </Section>
  );
}

function BotCard(props: { projectId: string; messenger: (typeof messengers)[number]; bot: Bot | undefined; onChanged: () => void }) {
  const { messenger, bot } = props;
  const [token, setToken] = useState('');
  const action = useAction();
  async function connect(e: Event) {
    e.preventDefault();
    if (await action.run(() => messenger.connect(props.projectId, token.trim()))) {
      setToken('');
      props.onChanged();
    }
  }
  return (
    <article class="card bot" aria-label={`${messenger.name} bot`}>
      <h3>{messenger.name}</h3>
      {bot ? (
        <>
          <p>Connected <strong>@{bot.username}</strong> <span class="muted">since {when(bot.connected_at)}</span></p>
          <p class="deep-link">Customers' link: <a href={bot.deep_link ?? undefined} target="_blank" rel="noopener noreferrer">{bot.deep_link}</a></p>
          {bot.deep_link && <Qr text={bot.deep_link} label={`QR code of ${bot.deep_link}`} />}
          <div class="actions">
            <Confirm label="Disconnect" what={`${messenger.name} bot`} question={`Disconnect @${bot.username}? Customers' messages stop reaching the project.`}
              confirm="Yes, disconnect" busy={action.busy} onConfirm={() => action.run(async () => { await disconnectBot(props.projectId, messenger.id); props.onChanged(); })} />
          </div>
        </>
      ) : (
        <form class="settings-form" onSubmit={connect} noValidate>
          <p class="muted">{messenger.where}</p>
          <Field label={messenger.tokenLabel} name={messenger.tokenField} error={action.error}>
            <input type="password" autoComplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </Field>
          <button class="primary" disabled={action.busy}>{action.busy ? 'Connecting…' : `Connect ${messenger.name} bot`}</button>
        </form>
      )}
      <FormError error={action.error} fields={[messenger.tokenField]} />
    </article>
  );
}
