using System.Runtime.CompilerServices;
using Raft.Simulation;

namespace Raft.Gate.Ch04;

/// <summary>
/// Watches what every node hands its state machine. Each node gets a <see cref="Recorder"/> (a
/// <see cref="KeyValueStore"/> that also writes down each call), and the simulator checks this rule after every
/// step: every server applies index 1, 2, 3... once each, and no two servers apply different commands at one index
/// (State Machine Safety, §5.4.3).
/// </summary>
public sealed class AppliedHistory : ISafetyRule
{
    private readonly Dictionary<long, (string Command, int Node)> _atIndex = [];
    private string? _violation;

    public string Name => "State Machine Safety and in-order apply";

    public string Section => "§5.4.3, Figure 2";

    /// <summary>Every recorder made so far, per node id, in order of the node's lives (a restart makes a new one).</summary>
    public Dictionary<int, List<Recorder>> Recorders { get; } = [];

    /// <summary>A fresh state machine for node <paramref name="id"/> (call it when the node is created).</summary>
    public Recorder For(int id)
    {
        var recorder = new Recorder(this, id);
        if (!Recorders.TryGetValue(id, out var list))
        {
            Recorders[id] = list = [];
        }
        list.Add(recorder);
        return recorder;
    }

    /// <summary>The state machine of node <paramref name="id"/>'s current life.</summary>
    public Recorder Current(int id) => Recorders[id][^1];

    public string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed) => _violation;

    private void Applied(int node, long index, string command, long expected)
    {
        if (_violation is not null)
        {
            return;
        }
        if (index != expected)
        {
            _violation = index <= expected - 1
                ? $"Node {node} applied index {index} again (it had applied up to {expected - 1}); each entry is applied exactly once (Figure 2: increment lastApplied, then apply log[lastApplied])."
                : $"Node {node} applied index {index} after index {expected - 1}, skipping {expected}; entries are applied in index order (Figure 2).";
            return;
        }
        if (_atIndex.TryGetValue(index, out var other))
        {
            if (other.Command != command)
            {
                _violation = $"Node {node} applied '{command}' at index {index}, but node {other.Node} applied '{other.Command}' there. " +
                             "Only a committed entry may be applied, and a leader may commit by counting only entries of its own term (Figure 8, §5.4.2); " +
                             "a follower commits no further than the entries the leader's request vouched for (Figure 2, AppendEntries rule 5).";
            }
            return;
        }
        _atIndex[index] = (command, node);
    }

    /// <summary>A node's key-value store that tells the history what it is asked to apply.</summary>
    public sealed class Recorder(AppliedHistory history, int node) : IStateMachine
    {
        private readonly KeyValueStore _store = new();

        /// <summary>The commands applied, in the order they came.</summary>
        public List<(long Index, string Command)> Applied { get; } = [];

        public IReadOnlyDictionary<string, string> Values => _store.Values;

        /// <summary>The store the recorded commands reach (later chapters read from it).</summary>
        public KeyValueStore Store => _store;

        public string Apply(long index, string command)
        {
            history.Applied(node, index, command, Applied.Count + 1);
            Applied.Add((index, command));
            // Only an in-order call reaches the store (it would throw otherwise); the rule above reports the rest.
            return index == _store.LastIndex + 1 ? _store.Apply(index, command) : "error: out of order";
        }
    }
}

/// <summary>Chapter 4's clusters: every node's state machine is watched by an <see cref="AppliedHistory"/>.</summary>
public static class Committing
{
    /// <summary>A cluster whose state machines report to <paramref name="history"/>.</summary>
    /// <param name="requirePersist">Check that every message leaves only after its sender saved its state (chapter 5 on).</param>
    /// <param name="state">Wraps each node's recorder, for a chapter whose nodes ask their state machine more than Apply.</param>
    public static SimCluster<RaftNode> Create(long seed, AppliedHistory history, int nodes = 3, NetworkOptions? network = null, RaftOptions? raft = null,
        bool requirePersist = false, Func<AppliedHistory.Recorder, IStateMachine>? state = null) =>
        SimCluster.Create(
            new SimulationOptions
            {
                Seed = seed,
                NodeCount = nodes,
                Network = network ?? NetworkOptions.Reliable,
                SafetyRules = () => [.. SafetyRules.Figure3(), history],
                RequirePersistBeforeSend = requirePersist,
            },
            context => new RaftNode(context, raft, state is null ? history.For(context.Id) : state(history.For(context.Id))));

    /// <summary><see cref="Scenario.ForSeeds"/> on clusters whose state machines are watched.</summary>
    public static void ForSeeds(
        int seeds,
        string rule,
        Action<SimCluster<RaftNode>, AppliedHistory> body,
        int nodes = 3,
        NetworkOptions? network = null,
        RaftOptions? raft = null,
        bool requirePersist = false,
        Func<AppliedHistory.Recorder, IStateMachine>? state = null,
        [CallerFilePath] string file = "",
        [CallerMemberName] string test = "")
    {
        AppliedHistory history = new();
        Scenario.ForSeeds(seeds, rule, cluster => body(cluster, history), nodes, network, raft,
            build: seed => Create(seed, history = new AppliedHistory(), nodes, network, raft, requirePersist, state), file: file, test: test);
    }

    /// <summary>Submits <paramref name="command"/> to <paramref name="node"/> on the simulation and returns the client's task.</summary>
    public static Task<string> SubmitAsync(this SimCluster<RaftNode> cluster, RaftNode node, string command)
    {
        Task<string>? task = null;
        cluster.Do(() => task = node.SubmitAsync(command));
        // No task: the node crashed while saving the command (chapter 5's torn saves).
        return task ?? Task.FromException<string>(new SubmitFailedException(SubmitFailure.Stopped, null, $"Node {node.Id} crashed while accepting the command."));
    }

    /// <summary>Runs until <paramref name="task"/> completes; fails with what the cluster looks like if it does not within <paramref name="within"/>.</summary>
    public static T Await<T>(this SimCluster<RaftNode> cluster, Task<T> task, TimeSpan within, string what)
    {
        cluster.RunUntil(() => task.IsCompleted, within).ShouldBeTrue(
            $"{what} did not complete within {within.TotalSeconds:0.#} s of simulated time. Nodes: " +
            string.Join(", ", cluster.LiveNodes.Select(n => $"n{n.Id} {n.Role} t{n.CurrentTerm} log {n.Log.Count} commit {n.CommitIndex} applied {n.LastApplied}")));
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Submits to whichever node leads, retrying until a command is applied; returns its result.</summary>
    public static string SubmitToLeader(this SimCluster<RaftNode> cluster, string command, TimeSpan within)
    {
        var deadline = cluster.Now + within;
        while (cluster.Now < deadline)
        {
            var leader = cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader);
            if (leader is null)
            {
                cluster.RunFor(TimeSpan.FromMilliseconds(50));
                continue;
            }
            var task = cluster.SubmitAsync(leader, command);
            cluster.RunUntil(() => task.IsCompleted, TimeSpan.FromSeconds(1));
            if (task.IsCompletedSuccessfully)
            {
                return task.Result;
            }
        }
        throw new ShouldAssertException($"No leader applied '{command}' within {within.TotalSeconds:0.#} s (§5.3).");
    }

    /// <summary>The result of a client's task that must have completed successfully.</summary>
    public static string ResultOf(Task<string> task, string because)
    {
        task.IsCompletedSuccessfully.ShouldBeTrue(because + (task.IsFaulted ? $" It failed: {task.Exception!.InnerException!.Message}" : " It has not completed."));
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs until every live node has applied the same, highest committed index. A new leader commits nothing by counting
    /// until an entry of its own term is on a majority (§5.4.2), so while the nodes differ this submits a read now and then.
    /// Returns that index.
    /// </summary>
    public static long AwaitConverged(this SimCluster<RaftNode> cluster, TimeSpan within)
    {
        var deadline = cluster.Now + within;
        // Converged: a leader whose whole log is committed (so it holds an entry of its own term, §5.4.2), and every
        // live node has applied exactly that much.
        bool Converged() =>
            cluster.LiveNodes.Where(n => n.Role == Role.Leader).ToList() is [var leader] &&
            leader.CommitIndex == leader.Log.Count &&
            cluster.LiveNodes.All(n => n.LastApplied == leader.CommitIndex);
        while (!Converged() && cluster.Now < deadline)
        {
            if (!cluster.RunUntil(Converged, TimeSpan.FromMilliseconds(500)) && cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader) is { } leader)
            {
                cluster.SubmitAsync(leader, KeyValueStore.Get("converge"));
            }
        }
        Converged().ShouldBeTrue(
            $"Every node should apply the same committed entries within {within.TotalSeconds:0.#} s once the network is whole (Figure 2); " +
            string.Join(", ", cluster.LiveNodes.Select(n => $"n{n.Id} {n.Role} t{n.CurrentTerm} commit {n.CommitIndex} applied {n.LastApplied}")) + ".");
        return cluster.LiveNodes.First().LastApplied;
    }

    /// <summary>Runs until every live node has applied everything up to <paramref name="index"/>.</summary>
    public static void AwaitApplied(this SimCluster<RaftNode> cluster, long index, TimeSpan within, IEnumerable<int>? among = null)
    {
        var ids = (among ?? cluster.NodeIds).ToList();
        cluster.RunUntil(() => ids.Where(cluster.IsUp).All(id => cluster.Node(id).LastApplied >= index), within).ShouldBeTrue(
            $"Every node should apply up to index {index} within {within.TotalSeconds:0.#} s (Figure 2: apply what is committed); " +
            string.Join(", ", ids.Where(cluster.IsUp).Select(cluster.Node).Select(n => $"n{n.Id} commit {n.CommitIndex} applied {n.LastApplied}")) + ".");
    }
}
