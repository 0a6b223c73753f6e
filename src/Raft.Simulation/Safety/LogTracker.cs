namespace Raft.Simulation;

/// <summary>
/// Not a property of Raft but the bookkeeping the log rules share. At each check it finds, for each node whose state
/// changed, the first log index that differs from what the node held at the previous check. Logs change at their end
/// (appends, or a suffix replaced after a conflict), so it compares from the end and stops at the first entry that is
/// still the same object; every 64th look it compares the whole log, in case node code changed an entry in the middle.
/// It also keeps the committed log that <see cref="CommittedEntriesAgree"/> builds: every entry some node has counted
/// as committed, and who counted it first.
/// It must come before the rules that use it in a rule set (<see cref="SafetyRules.Figure3"/> puts it first).
/// </summary>
/// <remarks>
/// To compare, it remembers each node's log as it was, without a copy of each: the leading entries that are the very
/// entries of the committed log are remembered as a count, and only the rest, usually a short uncommitted tail, as a
/// list of the node's own. Five copies of logs of thousands of entries were a tenth of all a run kept alive.
/// </remarks>
public sealed class LogTracker : ISafetyRule
{
    private readonly Dictionary<IRaftNode, Tracked> _logs = new(ReferenceEqualityComparer.Instance);
    private readonly List<LogEntry> _committed = [];

    // Which node first counted the committed entries, and in which of its terms, as runs: from position First on, up to
    // the next run. Runs, not a record per entry: one step commits many entries on one node, and a list of thousands of
    // records outgrows 85 KB into the large object heap, whose collections once cost more time than every check together.
    private readonly List<(int First, long Term, int Node)> _countedBy = [];

    public string Name => "Log tracker";

    public string Section => "bookkeeping for the log rules";

    /// <summary>Every entry some node has counted as committed: index i at position i - 1. It only grows.</summary>
    public IReadOnlyList<LogEntry> Committed => _committed;

    /// <summary>
    /// The first index (1-based) of <paramref name="node"/>'s log that changed at this check; 1 for a node seen for the
    /// first time; <see cref="int.MaxValue"/> if nothing changed.
    /// </summary>
    public int FirstChanged(IRaftNode node) => _logs.TryGetValue(node, out var t) ? t.FirstChanged : 1;

    /// <summary>Adds the entry at index <c>Committed.Count + 1</c>, first counted as committed by node <paramref name="node"/> in <paramref name="term"/>.</summary>
    internal void AddCommitted(LogEntry entry, long term, int node)
    {
        if (_countedBy.Count == 0 || _countedBy[^1].Term != term || _countedBy[^1].Node != node)
        {
            _countedBy.Add((_committed.Count, term, node));
        }
        _committed.Add(entry);
    }

    /// <summary>Who first counted the committed entry at <paramref name="position"/> (index - 1), and in which term.</summary>
    public (long Term, int Node) CountedBy(int position)
    {
        int low = 0, high = _countedBy.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_countedBy[middle].First <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        var (_, term, node) = _countedBy[low];
        return (term, node);
    }

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        if (_logs.Count > nodes.Count)
        {
            // Crashed nodes: a restarted node is a new object, with a log of its own.
            var live = new HashSet<IRaftNode>(nodes, ReferenceEqualityComparer.Instance);
            foreach (var gone in _logs.Keys.Where(n => !live.Contains(n)).ToList())
            {
                _logs.Remove(gone);
            }
        }
        for (var nodeIndex = 0; nodeIndex < nodes.Count; nodeIndex++)
        {
            var node = nodes[nodeIndex];
            if (!_logs.TryGetValue(node, out var tracked))
            {
                _logs[node] = tracked = new Tracked(_committed);
                tracked.Update(node.Log);
                tracked.FirstChanged = 1;
                continue;
            }
            tracked.FirstChanged = changed.Contains(node.Id) ? tracked.Update(node.Log) : int.MaxValue;
        }
        return null;
    }

    /// <summary>One node's log as it was at the last look.</summary>
    private sealed class Tracked(List<LogEntry> committed)
    {
        public int FirstChanged = 1;

        // Invariant: the log at the last look is committed[0.._shared) followed by _tail[_tailStart..].
        private int _shared;
        private readonly List<LogEntry> _tail = [];
        private int _tailStart;
        private int _looks;

        private int Count => _shared + _tail.Count - _tailStart;

        private LogEntry At(int position) => position < _shared ? committed[position] : _tail[_tailStart + position - _shared];

        /// <summary>Brings what it remembers up to date with <paramref name="log"/>; returns the first index that changed.</summary>
        public int Update(IReadOnlyList<LogEntry> log)
        {
            var count = Count;
            var same = Math.Min(log.Count, count);
            while (same > 0 && !ReferenceEquals(log[same - 1], At(same - 1)))
            {
                same--;
            }
            if (++_looks % 64 == 0)
            {
                for (var i = 0; i < same; i++)
                {
                    if (!ReferenceEquals(log[i], At(i)))
                    {
                        same = i;
                        break;
                    }
                }
            }
            var first = same == log.Count && same == count ? int.MaxValue : same + 1;
            if (first != int.MaxValue)
            {
                Remember(log, same);
            }
            Share();
            return first;
        }

        // Makes what it remembers equal to log, whose first `same` entries it holds already.
        private void Remember(IReadOnlyList<LogEntry> log, int same)
        {
            if (same < _shared)
            {
                // A change among entries shared with the committed log (a broken node): remember the rest as its own.
                _shared = same;
                _tail.Clear();
                _tailStart = 0;
            }
            else
            {
                var keep = _tailStart + same - _shared;
                _tail.RemoveRange(keep, _tail.Count - keep);
            }
            for (var i = same; i < log.Count; i++)
            {
                _tail.Add(log[i]);
            }
        }

        // Entries of its own that are the committed log's very entries need not be kept twice.
        private void Share()
        {
            while (_tailStart < _tail.Count && _shared < committed.Count && ReferenceEquals(_tail[_tailStart], committed[_shared]))
            {
                _tailStart++;
                _shared++;
            }
            if (_tailStart > 0 && _tailStart * 2 >= _tail.Count)
            {
                // Drop what moved to the shared part once it is half the list: each entry is moved once, on average.
                _tail.RemoveRange(0, _tailStart);
                _tailStart = 0;
            }
        }
    }
}
