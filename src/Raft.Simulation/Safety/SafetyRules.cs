namespace Raft.Simulation;

/// <summary>The properties of Figure 3 of the Raft paper, plus two invariants of Figure 2.</summary>
public static class SafetyRules
{
    /// <summary>A fresh set of the Figure 3 rules (they keep history, so one set per run).</summary>
    /// <remarks>
    /// The log rules look only at what changed since the last step (a <see cref="LogTracker"/> finds it), so a check costs
    /// about the same with ten entries or ten thousand.
    /// </remarks>
    public static IReadOnlyList<ISafetyRule> Figure3()
    {
        var logs = new LogTracker();
        return [logs, new ElectionSafety(), new LeaderAppendOnly(logs), new LogMatching(logs), new CommittedEntriesAgree(logs), new IndexInvariants()];
    }
}

/// <summary>"At most one leader can be elected in a given term." (§5.2)</summary>
public sealed class ElectionSafety : ISafetyRule
{
    private readonly Dictionary<long, int> _leaderOf = [];

    public string Name => "Election Safety";

    public string Section => "§5.2, Figure 3";

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        for (var nodeIndex = 0; nodeIndex < nodes.Count; nodeIndex++)
        {
            var node = nodes[nodeIndex];
            if (node.Role != Role.Leader || !changed.Contains(node.Id))
            {
                continue;
            }
            if (_leaderOf.TryGetValue(node.CurrentTerm, out var other) && other != node.Id)
            {
                return $"Two leaders in term {node.CurrentTerm}: node {other} and node {node.Id}. A node may vote once per term, " +
                       "and a leader needs a majority of votes, so two majorities in one term would share a voter that voted twice.";
            }
            _leaderOf[node.CurrentTerm] = node.Id;
        }
        return null;
    }
}

/// <summary>"A leader never overwrites or deletes entries in its log; it only appends new entries." (§5.3)</summary>
public sealed class LeaderAppendOnly(LogTracker logs) : ISafetyRule
{
    // For each node that led at the last check: its term then, and how long its log was.
    private readonly Dictionary<IRaftNode, (long Term, int Count)> _asLeader = new(ReferenceEqualityComparer.Instance);

    public string Name => "Leader Append-Only";

    public string Section => "§5.3, Figure 3";

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        for (var nodeIndex = 0; nodeIndex < nodes.Count; nodeIndex++)
        {
            var node = nodes[nodeIndex];
            if (!changed.Contains(node.Id))
            {
                continue;
            }
            if (node.Role != Role.Leader)
            {
                _asLeader.Remove(node);
                continue;
            }
            var log = node.Log;
            var first = logs.FirstChanged(node);
            if (_asLeader.TryGetValue(node, out var before) && before.Term == node.CurrentTerm && first <= before.Count)
            {
                return log.Count < before.Count
                    ? $"Leader {node.Id} of term {node.CurrentTerm} shrank its log from {before.Count} to {log.Count} entries; a leader only appends."
                    : $"Leader {node.Id} of term {node.CurrentTerm} overwrote its entry at index {first} (now {log[first - 1]}); a leader only appends.";
            }
            _asLeader[node] = (node.CurrentTerm, log.Count);
        }
        return null;
    }
}

/// <summary>
/// "If two logs contain an entry with the same index and term, then the logs are identical in all
/// entries up through the given index." (§5.3)
/// </summary>
public sealed class LogMatching(LogTracker logs) : ISafetyRule
{
    // For each pair of live logs, how many leading entries they are known to share (their longest common prefix).
    // Invariant between checks: wherever two logs hold entries of one term at one index, that index is within it.
    private readonly Dictionary<(IRaftNode, IRaftNode), int> _common = [];

    public string Name => "Log Matching";

    public string Section => "§5.3, Figure 3";

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        if (_common.Count > nodes.Count * nodes.Count)
        {
            // Crashed nodes' pairs; forget them now and then.
            var live = new HashSet<IRaftNode>(nodes, ReferenceEqualityComparer.Instance);
            foreach (var key in _common.Keys.Where(k => !live.Contains(k.Item1) || !live.Contains(k.Item2)).ToList())
            {
                _common.Remove(key);
            }
        }
        for (var aIndex = 0; aIndex < nodes.Count; aIndex++)
        {
            var a = nodes[aIndex];
            if (!changed.Contains(a.Id) || logs.FirstChanged(a) == int.MaxValue)
            {
                continue;
            }
            for (var bIndex = 0; bIndex < nodes.Count; bIndex++)
            {
                var b = nodes[bIndex];
                if (a.Id == b.Id)
                {
                    continue;
                }
                var la = a.Log;
                var lb = b.Log;
                var key = a.Id < b.Id ? (a, b) : (b, a);
                // What changed since the last check is no longer known to match.
                var common = Math.Min(_common.GetValueOrDefault(key), Math.Min(logs.FirstChanged(a), logs.FirstChanged(b)) - 1);
                var shorter = Math.Min(la.Count, lb.Count);
                while (common < shorter && Equals(la[common], lb[common]))
                {
                    common++;
                }
                _common[key] = common;
                // The highest index where both logs hold an entry of the same term must lie within the common prefix.
                var k = shorter;
                while (k > common && la[k - 1].Term != lb[k - 1].Term)
                {
                    k--;
                }
                if (k > common)
                {
                    var i = common;
                    return $"Nodes {a.Id} and {b.Id} both hold an entry of term {la[k - 1].Term} at index {k}, but differ at index {i + 1}. " +
                           $"Around it, as index term:command, node {a.Id} holds {LogText.Window(la, i)} and node {b.Id} holds {LogText.Window(lb, i)}. " +
                           "Ways this happens: a follower appended without checking prevLogIndex and prevLogTerm (Figure 2, AppendEntries rule 2); " +
                           "a leader sent entries that do not follow the entry it named as prevLogIndex (an index off by one, or prevLogTerm not that entry's term); " +
                           "a follower deleted too much or too little before appending (rules 3 and 4); or two leaders in one term (Election Safety).";
                }
            }
        }
        return null;
    }
}

/// <summary>The entries two either side of <paramref name="at"/> (0-based), as "[index] term:command".</summary>
file static class LogText
{
    public static string Window(IReadOnlyList<LogEntry> log, int at)
    {
        var from = Math.Max(0, at - 2);
        var to = Math.Min(log.Count - 1, at + 2);
        var entries = Enumerable.Range(from, to - from + 1).Select(i => $"[{i + 1}] {log[i].Term}:{log[i].Command}{(i == at ? " ←" : "")}");
        return (from > 0 ? "… " : "") + string.Join(", ", entries) + (to < log.Count - 1 ? $" … ({log.Count} entries)" : "");
    }
}

/// <summary>
/// Leader Completeness (§5.4): "If a log entry is committed in a given term, then that entry will be
/// present in the logs of the leaders for all higher-numbered terms." And State Machine Safety
/// (§5.4.3): "If a server has applied a log entry at a given index to its state machine, no other
/// server will ever apply a different log entry for the same index." Checked on commitIndex: every
/// entry a node counts as committed must equal every other node's committed entry at that index.
/// </summary>
public sealed class CommittedEntriesAgree(LogTracker logs) : ISafetyRule
{
    // The committed log it builds is kept by the tracker (logs.Committed), which remembers each node's log by it.

    // Per node: how many of its committed entries were compared with the committed log already.
    private readonly Dictionary<IRaftNode, int> _checked = new(ReferenceEqualityComparer.Instance);

    // Per leader: its term, and how many entries of the committed log its log was found to hold.
    private readonly Dictionary<IRaftNode, (long Term, int Holds)> _leaders = new(ReferenceEqualityComparer.Instance);

    public string Name => "Leader Completeness and State Machine Safety";

    public string Section => "§5.4, Figure 3";

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        var committed = logs.Committed;
        for (var nodeIndex = 0; nodeIndex < nodes.Count; nodeIndex++)
        {
            var node = nodes[nodeIndex];
            if (!changed.Contains(node.Id))
            {
                continue;
            }
            var log = node.Log;
            var upTo = (int)Math.Min(node.CommitIndex, log.Count);
            // Entries already compared need comparing again only if they changed (a committed entry must never change).
            var from = Math.Min(_checked.GetValueOrDefault(node), logs.FirstChanged(node) - 1);
            for (var i = from; i < upTo; i++)
            {
                if (i < committed.Count)
                {
                    if (!Equals(committed[i], log[i]))
                    {
                        return $"Node {node.Id} counts {log[i]} at index {i + 1} as committed, but node {logs.CountedBy(i).Node} " +
                               $"committed {committed[i]} there. Two servers would apply different commands at the same index.";
                    }
                }
                else
                {
                    logs.AddCommitted(log[i], node.CurrentTerm, node.Id);
                }
            }
            _checked[node] = upTo;
        }
        for (var leaderIndex = 0; leaderIndex < nodes.Count; leaderIndex++)
        {
            var leader = nodes[leaderIndex];
            if (leader.Role != Role.Leader)
            {
                _leaders.Remove(leader);
                continue;
            }
            var log = leader.Log;
            var holds = _leaders.TryGetValue(leader, out var known) && known.Term == leader.CurrentTerm
                ? Math.Min(known.Holds, changed.Contains(leader.Id) ? logs.FirstChanged(leader) - 1 : int.MaxValue)
                : 0;
            for (var i = holds; i < committed.Count; i++)
            {
                var entry = committed[i];
                var (term, _) = logs.CountedBy(i);
                if (term <= leader.CurrentTerm && (i >= log.Count || !Equals(log[i], entry)))
                {
                    return $"Leader {leader.Id} of term {leader.CurrentTerm} lacks the entry {entry} committed at index {i + 1} in term {term}. " +
                           "A candidate must win votes only from nodes whose logs are no more up to date than its own (§5.4.1), " +
                           "and a leader may count replicas only for entries of its own term (§5.4.2).";
                }
            }
            _leaders[leader] = (leader.CurrentTerm, committed.Count);
        }
        return null;
    }
}

/// <summary>
/// Figure 2's index invariants: lastApplied &lt;= commitIndex &lt;= last log index, all non-negative, and commitIndex and
/// lastApplied "increase monotonically" for as long as a node runs (a restart starts them again from 0: they are volatile).
/// </summary>
public sealed class IndexInvariants : ISafetyRule
{
    // Keyed by the node object: a restarted node is a new object, whose volatile state starts again at 0.
    private readonly Dictionary<IRaftNode, (long CommitIndex, long LastApplied)> _last = new(ReferenceEqualityComparer.Instance);

    public string Name => "Index invariants";

    public string Section => "Figure 2";

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed)
    {
        for (var nodeIndex = 0; nodeIndex < nodes.Count; nodeIndex++)
        {
            var node = nodes[nodeIndex];
            if (!changed.Contains(node.Id))
            {
                continue;
            }
            if (node.CurrentTerm < 0 || node.CommitIndex < 0 || node.LastApplied < 0)
            {
                return $"Node {node.Id} has a negative term or index (term {node.CurrentTerm}, commitIndex {node.CommitIndex}, lastApplied {node.LastApplied}).";
            }
            if (node.CommitIndex > node.Log.Count)
            {
                return $"Node {node.Id} has commitIndex {node.CommitIndex} but only {node.Log.Count} log entries.";
            }
            if (node.LastApplied > node.CommitIndex)
            {
                return $"Node {node.Id} applied up to index {node.LastApplied} but has committed only up to {node.CommitIndex}; apply only committed entries.";
            }
            if (_last.TryGetValue(node, out var before))
            {
                if (node.CommitIndex < before.CommitIndex)
                {
                    return $"Node {node.Id}'s commitIndex went down from {before.CommitIndex} to {node.CommitIndex}; it only increases (Figure 2). " +
                           "A late AppendEntries carries an older leaderCommit: take it only when it is higher.";
                }
                if (node.LastApplied < before.LastApplied)
                {
                    return $"Node {node.Id}'s lastApplied went down from {before.LastApplied} to {node.LastApplied}; an entry is applied once, in order (Figure 2).";
                }
            }
            _last[node] = (node.CommitIndex, node.LastApplied);
        }
        return null;
    }
}
