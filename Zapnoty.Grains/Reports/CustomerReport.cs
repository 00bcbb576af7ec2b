using Npgsql;

namespace Zapnoty.Grains.Reports;

/// <summary>
/// Reads <see cref="CustomerFigures"/> of a range without grouping its tickets by customer
/// (migration 0041): the distribution from rollup sums (tickets created, and those with an m-th
/// next ticket of the same customer) less the few whose m-th next ticket comes after the range,
/// and the top customers by probing customers most tickets first. Small ranges, and ranges with
/// many tickets after their end, are read by the exact distinct count instead (<see cref="CustomerReportSql.Scan"/>).
/// </summary>
public sealed class CustomerReport(NpgsqlDataSource dataSource)
{
    /// <summary>Up to this many tickets in the range the distinct count is as fast, and is used (tests set 0 to read every range by sequences).</summary>
    public long ScanUpTo { get; init; } = 10_000;

    /// <summary>Tickets after the range's end that the straddler count reads at most before it gives way to the distinct count.</summary>
    private const int AfterAtMost = 50_000;

    /// <summary>Customers the top list probes at most before it gives way to the distinct count.</summary>
    private const int ProbesAtMost = 20_000;

    private const int Batch = 200;

    private static readonly int[] Steps = [1, 2, 3, 5, 6];

    public async Task<CustomerFigures> Read(Guid projectId, ReportRange range, CancellationToken cancellationToken)
    {
        try
        {
            return await Read(projectId, range, null, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
        {
            // As ReportStore.Read: a zone this PostgreSQL's zone data lacks reads in UTC.
            return await Read(projectId, range, "UTC", cancellationToken);
        }
    }

    /// <summary>The exact distinct count over the range's tickets, whatever the range (the tests compare both paths).</summary>
    public async Task<CustomerFigures> ReadByScan(Guid projectId, ReportRange range, CancellationToken cancellationToken)
    {
        await using var read = await Begin(projectId, range, null, cancellationToken);
        var figures = await read.Scan();
        await read.Commit();
        return figures;
    }

    private async Task<CustomerFigures> Read(Guid projectId, ReportRange range, string? zone, CancellationToken cancellationToken)
    {
        await using var read = await Begin(projectId, range, zone, cancellationToken);
        var figures = await read.Sequences() ?? await read.Scan();
        await read.Commit();
        return figures;
    }

    private async Task<CustomerRead> Begin(Guid projectId, ReportRange range, string? zone, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var limit = new NpgsqlCommand(ReportStore.Settings, connection, transaction))
            await limit.ExecuteNonQueryAsync(cancellationToken);
        return new CustomerRead(connection, transaction, projectId, range, zone, ScanUpTo, cancellationToken);
    }

    /// <summary>One read in one transaction (a consistent snapshot is not needed: each part is exact at its statement).</summary>
    private sealed class CustomerRead(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid projectId, ReportRange range, string? zone,
        long scanUpTo, CancellationToken cancellationToken) : IAsyncDisposable
    {
        public async Task Commit() => await transaction.CommitAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        private NpgsqlCommand Command(string sql, params object[] more)
        {
            var command = new NpgsqlCommand(sql, connection, transaction)
            {
                Parameters =
                {
                    new() { Value = projectId },
                    new() { Value = range.From },
                    new() { Value = range.To },
                    new() { Value = (object?)zone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                },
            };
            foreach (var value in more) command.Parameters.Add(new NpgsqlParameter { Value = value });
            return command;
        }

        public async Task<CustomerFigures> Scan()
        {
            await using var command = Command(CustomerReportSql.Scan);
            var figures = CustomerFigures.None;
            var top = new List<(Guid Id, long N)>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (reader.GetInt32(0) == 0)
                        figures = new CustomerFigures(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), []);
                    else
                        top.Add((reader.GetGuid(1), reader.GetInt64(2)));
                }
            return figures with { Top = await Named(top) };
        }

        /// <summary>The figures from the rollups and the customers' sequences; null when the distinct count is the better read.</summary>
        public async Task<CustomerFigures?> Sequences()
        {
            var sums = await Sums();
            var created = sums.GetValueOrDefault(ReportMetrics.Created);
            if (created <= scanUpTo) return null;
            var after = await Straddlers();
            if (after is null) return null;
            // A(m): tickets in the range whose m-th next ticket is in the range too; A(0) = created.
            var a = new long[7];
            a[0] = created;
            foreach (var m in Steps) a[m] = sums.GetValueOrDefault(ReportMetrics.CustomerLater(m)) - after.GetValueOrDefault(m);
            // Customers with at least j tickets: A(j - 1) - A(j).
            long AtLeast(int j) => a[j - 1] - a[j];
            var (one, two, three, six) = (AtLeast(1), AtLeast(2), AtLeast(3), a[5] - a[6]);
            var top = await Top(one, two, three);
            if (top is null) return null;
            return new CustomerFigures(one, one - two, two - three, three - six, six, await Named(top));
        }

        private async Task<Dictionary<string, long>> Sums()
        {
            await using var command = Command(ReportStore.SumsSql(ReportGrouping.Total), "");
            var sums = new Dictionary<string, long>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                sums[reader.GetString(1)] = sums.GetValueOrDefault(reader.GetString(1)) + reader.GetInt64(3);
            return sums;
        }

        private async Task<Dictionary<int, long>?> Straddlers()
        {
            await using var command = Command(CustomerReportSql.Straddlers, AfterAtMost);
            var counts = new Dictionary<int, long>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    counts[reader.GetInt32(0)] = reader.GetInt64(1);
            return counts[0] >= AfterAtMost ? null : counts;
        }

        /// <summary>
        /// The top customers, most tickets in the range first, then by id (as the distinct count
        /// orders them), from how many customers have at least 1, 2 and 3 tickets in the range.
        /// </summary>
        private async Task<List<(Guid Id, long N)>?> Top(long one, long two, long three)
        {
            var best = new List<(Guid Id, long N)>();
            var probes = 0;
            var lastTotal = long.MaxValue;
            var lastId = Guid.Empty;
            // The tenth has at least 3: probe customers by all-time tickets, most first, until one
            // with fewer in all time than the tenth has in the range (none after can tie).
            // Otherwise the tenth has x = 2 (or 1): probe for the few with more than x (how many is known),
            // then take the first customers by id with exactly x.
            var tenthHasThree = three >= CustomerFigures.TopCount;
            var x = tenthHasThree ? 3 : two >= CustomerFigures.TopCount ? 2 : 1;
            var above = tenthHasThree ? long.MaxValue : x == 2 ? three : two;
            var least = tenthHasThree ? 3 : x + 1;
            while (above > 0 && (tenthHasThree || best.Count < above))
            {
                await using var command = Command(CustomerReportSql.Most, (long)least, lastTotal, lastId, Batch);
                var rows = new List<(Guid Id, long Total, long N)>();
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                    while (await reader.ReadAsync(cancellationToken))
                        rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
                if (rows.Count == 0) break;
                var done = false;
                foreach (var (id, total, n) in rows)
                {
                    if (tenthHasThree && best.Count >= CustomerFigures.TopCount && total < best[CustomerFigures.TopCount - 1].N) { done = true; break; }
                    if (n >= least) Insert(best, (id, n));
                    if (!tenthHasThree && best.Count >= above) { done = true; break; }
                }
                (lastTotal, lastId) = (rows[^1].Total, rows[^1].Id);
                probes += rows.Count;
                if (done) break;
                if (probes > ProbesAtMost) return null;
            }
            if (!tenthHasThree && best.Count < CustomerFigures.TopCount && one > best.Count)
            {
                await using var command = Command(CustomerReportSql.FirstWith, (long)x, (long)Math.Min(CustomerFigures.TopCount - best.Count, one - best.Count));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) Insert(best, (reader.GetGuid(0), reader.GetInt64(1)));
            }
            return best;
        }

        /// <summary>Keeps the list the top ones in order: most tickets first, then by id in PostgreSQL's uuid order (its text).</summary>
        private static void Insert(List<(Guid Id, long N)> best, (Guid Id, long N) customer)
        {
            best.Add(customer);
            best.Sort((p, q) => p.N != q.N ? q.N.CompareTo(p.N) : string.CompareOrdinal(p.Id.ToString(), q.Id.ToString()));
            if (best.Count > CustomerFigures.TopCount) best.RemoveAt(best.Count - 1);
        }

        private async Task<IReadOnlyList<TopCustomer>> Named(List<(Guid Id, long N)> top)
        {
            if (top.Count == 0) return [];
            await using var command = new NpgsqlCommand(CustomerReportSql.Names, connection, transaction) { Parameters = { new() { Value = top.Select(t => t.Id).ToArray() } } };
            var names = new Dictionary<Guid, (string? Name, string Channel, string ExternalId)>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    names[reader.GetGuid(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3));
            return [.. top.Where(t => names.ContainsKey(t.Id)).Select(t => new TopCustomer(t.Id, names[t.Id].Name, names[t.Id].Channel, names[t.Id].ExternalId, t.N))];
        }
    }
}
