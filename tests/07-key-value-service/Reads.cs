using Raft.Gate.Ch04;
using Raft.Simulation;

namespace Raft.Gate.Ch07;

/// <summary>Chapter 7's clusters: a node's state machine answers reads (ReadIndex) from the store its recorder applies to.</summary>
internal static class Reads
{
    /// <summary>A recorder that also validates commands and answers reads, as the key-value service's store does.</summary>
    public static IStateMachine Queryable(AppliedHistory.Recorder recorder) => new Service(recorder);

    private sealed class Service(AppliedHistory.Recorder recorder) : IStateMachine
    {
        public string Apply(long index, string command) => recorder.Apply(index, command);

        public string? Validate(string command) => recorder.Store.Validate(command);

        public bool IsReadOnly(string command) => recorder.Store.IsReadOnly(command);

        public string Query(string command) => recorder.Store.Query(command);
    }

    /// <summary>Asks <paramref name="node"/> for a read on the simulation and returns the client's task.</summary>
    public static Task<string> ReadAsync(SimCluster<RaftNode> cluster, RaftNode node, string query)
    {
        Task<string>? task = null;
        cluster.Do(() => task = node.ReadAsync(query));
        return task ?? Task.FromException<string>(new SubmitFailedException(SubmitFailure.Stopped, null, $"Node {node.Id} is down."));
    }
}
