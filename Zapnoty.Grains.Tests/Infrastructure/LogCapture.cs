using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// A logger provider on every test silo that, while a test records, keeps every entry of every
/// category at every level (Trace up), with its message, its structured values and its exception:
/// whatever any sink (console, JSON, OTLP, the Orleans Dashboard's log stream) could receive.
/// Tests of the cluster collection run one at a time, so one recording at a time is enough.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    public static readonly LogCapture Instance = new();

    private volatile Recording? _recording;

    public Recording Record()
    {
        var recording = new Recording(this);
        _recording = recording;
        return recording;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public sealed class Recording(LogCapture capture) : IDisposable
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public IReadOnlyList<string> Entries => _entries.ToList();

        internal void Add(string entry) => _entries.Enqueue(entry);

        public void Dispose() => capture.Stop(this);
    }

    private void Stop(Recording recording)
    {
        if (_recording == recording) _recording = null;
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => capture._recording is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (capture._recording is not { } recording) return;
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            recording.Add($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
