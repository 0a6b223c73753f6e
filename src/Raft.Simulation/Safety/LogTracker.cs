namespace Raft.Simulation;

/// <summary>
/// Not a property of Raft but the bookkeeping the log rules share: at each check it finds, for each node whose state
/// changed, the first log index that differs from what the node held at the previous check. Logs change at their end
/// (appends, or a suffix replaced after a conflict), so it compares from the end and stops at the first entry that is
/// still the same object; every 64th look it compares the whole log, in case node code changed an entry in the middle.
/// It must come before the rules that use it in a rule set (<see cref="SafetyRules.Figure3"/> puts it first).
/// </summary>
public sealed class LogTracker : ISafetyRule
{
    private readonly Dictionary<IRaftNode, Tracked> _logs = new(ReferenceEqualityComparer.Instance);

    public string Name => "Log tracker";

    public string Section => "bookkeeping for the log rules";

    /// <summary>
    /// The first index (1-based) of <paramref name="node"/>'s log that changed at this check; 1 for a node seen for the
    /// first time; <see cref="int.MaxValue"/> if nothing changed.
    /// </summary>
    public int FirstChanged(IRaftNode node) => _logs.TryGetValue(node, out var t) ? t.FirstChanged : 1;

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
                _logs[node] = tracked = new Tracked();
                tracked.Mirror.AddRange(node.Log);
                tracked.FirstChanged = 1;
                continue;
            }
            tracked.FirstChanged = changed.Contains(node.Id) ? tracked.Update(node.Log) : int.MaxValue;
        }
        return null;
    }

    private sealed class Tracked
    {
        public readonly List<LogEntry> Mirror = [];
        public int FirstChanged = 1;
        private int _looks;

        /// <summary>Brings the mirror up to date with <paramref name="log"/>; returns the first index that changed.</summary>
        public int Update(IReadOnlyList<LogEntry> log)
        {
            var same = Math.Min(log.Count, Mirror.Count);
            while (same > 0 && !ReferenceEquals(log[same - 1], Mirror[same - 1]))
            {
                same--;
            }
            if (++_looks % 64 == 0)
            {
                for (var i = 0; i < same; i++)
                {
                    if (!ReferenceEquals(log[i], Mirror[i]))
                    {
                        same = i;
                        break;
                    }
                }
            }
            if (same == log.Count && same == Mirror.Count)
            {
                return int.MaxValue;
            }
            Mirror.RemoveRange(same, Mirror.Count - same);
            for (var i = same; i < log.Count; i++)
            {
                Mirror.Add(log[i]);
            }
            return same + 1;
        }
    }
}
