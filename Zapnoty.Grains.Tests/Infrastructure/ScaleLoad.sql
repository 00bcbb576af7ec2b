-- One block of generated tickets: $2 tickets in each project of $1, numbered from $3 + 1 ($2 and
-- $3 even), with keys $4 + 1 ... (they make the customers' names and the words). Ids derive from
-- the project and number. Every other ticket opens a new customer ("Customer <key>", username
-- "user<key>", assignees are ten fixed users, see ScaleData); every ticket has the
-- customer's first message, every other one an agent reply too. About 85 % are closed, the rest
-- new, in progress or waiting (their SLA breaches recorded); words come from a small English and Russian vocabulary, so each
-- is common, except "xylophone", in one message of ticket number $5 only (the rare word).
WITH block AS (
    SELECT g AS k_local, $1::uuid[] AS projects,
           ($1::uuid[])[(g - 1) / $2 + 1] AS project_id,
           $3::bigint + (g - 1) % $2 + 1 AS number,
           $4::bigint + g AS k
      FROM generate_series(1, cardinality($1::uuid[]) * $2) g
), words AS (
    SELECT ARRAY['refund', 'refunds', 'delivery', 'delivered', 'payment', 'paid', 'login', 'password', 'account', 'invoice',
                 'address', 'courier', 'parcel', 'broken', 'damaged', 'late', 'cancel', 'cancelled', 'promo', 'discount',
                 'заказ', 'заказы', 'заказа', 'доставка', 'доставку', 'возврат', 'деньги', 'оплата', 'оплатил', 'подписка',
                 'тариф', 'курьер', 'посылка', 'сломан', 'поздно', 'отмена', 'пароль', 'аккаунт', 'счёт', 'адрес'] AS w,
           ARRAY['Refund request', 'Order not delivered', 'Cannot log in', 'Payment failed', 'Question about delivery',
                 'Заказ не пришёл', 'Возврат денег', 'Не могу войти', 'Ошибка оплаты', 'Вопрос по доставке',
                 'Change of address', 'Invoice needed', 'Account blocked', 'Подписка', 'Смена тарифа', 'Promo code does not work'] AS s
), rows AS (
    SELECT b.*, abs(hashint8(b.k)) % 100 AS roll,
           timestamptz '2024-01-01 00:00Z' + b.number * interval '1 minute' AS created_at,
           md5(b.project_id::text || 'c' || ((b.number + 1) / 2))::uuid AS customer_id
      FROM block b
), customers_in AS (
    INSERT INTO customers (id, project_id, channel, external_id, name, username, created_at)
    SELECT r.customer_id, r.project_id, 'telegram', ((r.k + 1) / 2)::text, 'Customer ' || ((r.k + 1) / 2), 'user' || ((r.k + 1) / 2), r.created_at
      FROM rows r WHERE r.number % 2 = 1
), tickets_in AS (
    INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at,
                         first_reply_at, closed_at, first_reply_due_at, resolve_due_at, assignee_id,
                         first_reply_breached_at, resolve_breached_at)
    SELECT md5(r.project_id::text || 't' || r.number)::uuid, r.project_id, r.number,
           CASE WHEN r.roll % 5 = 0 THEN 'Order ORD-' || r.k ELSE (SELECT s[1 + abs(hashint8(r.k * 3)) % cardinality(s)] FROM words) END,
           CASE WHEN r.roll < 85 THEN 'closed' WHEN r.roll < 90 THEN 'new' WHEN r.roll < 95 THEN 'in_progress' ELSE 'waiting' END,
           CASE WHEN r.roll % 20 = 0 THEN 'urgent' WHEN r.roll % 7 = 0 THEN 'high' WHEN r.roll % 11 = 0 THEN 'low' ELSE 'normal' END,
           'telegram', r.customer_id, r.created_at, r.created_at + interval '2 hours',
           CASE WHEN r.roll < 85 OR r.roll >= 90 THEN r.created_at + interval '1 hour' END,
           CASE WHEN r.roll < 85 THEN r.created_at + interval '2 hours' END,
           r.created_at + interval '4 hours', r.created_at + interval '24 hours',
           CASE WHEN r.roll >= 85 AND r.roll < 90 THEN NULL ELSE md5('u' || abs(hashint8(r.k * 5)) % 10)::uuid END,
           -- The open tickets are long past their targets: their breaches were recorded when due, as the
           -- reminders and the sweeper do.
           CASE WHEN r.roll >= 85 AND r.roll < 90 THEN r.created_at + interval '4 hours' END,
           CASE WHEN r.roll >= 85 THEN r.created_at + interval '24 hours' END
      FROM rows r
)
INSERT INTO ticket_messages (id, ticket_id, project_id, author, agent_id, text, created_at, delivery)
SELECT md5(r.project_id::text || 'm' || r.number || '-' || m.n)::uuid, md5(r.project_id::text || 't' || r.number)::uuid, r.project_id,
       CASE m.n WHEN 1 THEN 'customer' ELSE 'agent' END,
       CASE m.n WHEN 1 THEN NULL ELSE md5('u' || abs(hashint8(r.k * 5)) % 10)::uuid END,
       CASE WHEN m.n = 1 AND r.number = $5 AND r.project_id = ($1::uuid[])[1] THEN 'Where is my xylophone? ' ELSE '' END
       || CASE m.n WHEN 1 THEN 'Hello, ' ELSE 'Thank you, ' END
       || (SELECT string_agg(w[1 + abs(hashint8(r.k * 16 + m.n * 8 + j)) % cardinality(w)], ' ') FROM words, generate_series(1, 8) j)
       || '.',
       r.created_at + (m.n - 1) * interval '1 hour', CASE m.n WHEN 1 THEN 'delivered' ELSE 'delivered' END
  FROM rows r
  CROSS JOIN LATERAL generate_series(1, 1 + (r.k % 2)::int) m(n);
