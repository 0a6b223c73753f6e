namespace Raft.Gate.Ch04;

// Figure 2, Rules for Servers, All Servers: "If commitIndex > lastApplied: increment lastApplied, apply
// log[lastApplied] to state machine (§5.3)." And the client's side (§8): a command's result is known only once
// its entry is applied.
public sealed class ApplyTests
{
    private static KeyValueStore Store(RaftNode node) => (KeyValueStore)node.StateMachine;

    private static RaftNode Leader(int size)
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: size);
        node.ForceLeader(1);
        return node;
    }

    private static void Ack(RaftNode leader, int from, long matchIndex) =>
        leader.Dispatch(new Envelope(from, leader.Id, new AppendEntriesReply(leader.CurrentTerm, Success: true, MatchIndex: matchIndex)));

    private static SubmitFailedException Failure(Task task, string because)
    {
        task.IsFaulted.ShouldBeTrue(because);
        return task.Exception!.InnerException.ShouldBeOfType<SubmitFailedException>(because);
    }

    [Fact]
    public void Committed_entries_are_applied_in_index_order_each_once()
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Log.AddRange([new(1, KeyValueStore.Put("x", "a")), new(1, KeyValueStore.Append("x", "b")), new(1, KeyValueStore.Append("x", "c"))]);

        node.CommitIndex = 2;
        node.ApplyCommitted();
        node.ApplyCommitted();

        node.LastApplied.ShouldBe(2, "Figure 2: lastApplied follows commitIndex, and only up to it: index 3 is not committed yet.");
        Store(node).Values["x"].ShouldBe("ab", "Figure 2: entries 1 and 2 are applied once each, in order; applying again must not repeat them.");

        node.CommitIndex = 3;
        node.ApplyCommitted();

        Store(node).Values["x"].ShouldBe("abc", "Figure 2: when commitIndex rises, the next entries are applied, and only those.");
        node.LastApplied.ShouldBe(3, "Figure 2: lastApplied is the index of the last entry applied.");
    }

    [Fact]
    public void Nothing_is_applied_before_it_is_committed()
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Log.Add(new LogEntry(1, KeyValueStore.Put("x", "a")));

        node.ApplyCommitted();

        node.LastApplied.ShouldBe(0, "§5.3: an entry is applied only once it is committed; it could still be overwritten.");
        Store(node).Values.ShouldBeEmpty("§5.3: the state machine has seen no command.");
    }

    [Fact]
    public void SubmitAsync_completes_with_the_result_once_the_entry_is_applied()
    {
        var leader = Leader(3);

        var task = leader.SubmitAsync(KeyValueStore.Append("x", "hello"));
        leader.ApplyCommitted();
        task.IsCompleted.ShouldBeFalse("§5.3: the entry is on the leader only; it is not committed, so the client must not hear back yet.");

        Ack(leader, 2, 1);
        leader.ApplyCommitted();

        Committing.ResultOf(task, "§5.3: once a majority holds the entry it is committed and applied, and the client gets its result.").ShouldBe("hello", "The client gets the state machine's own answer for its command (append answers the new value).");
    }

    [Fact]
    public void Each_client_gets_the_result_of_its_own_command()
    {
        var leader = Leader(1);

        var first = leader.SubmitAsync(KeyValueStore.Put("x", "1"));
        var second = leader.SubmitAsync(KeyValueStore.Get("x"));
        var third = leader.SubmitAsync(KeyValueStore.Append("x", "2"));
        leader.ApplyCommitted();

        Committing.ResultOf(first, "A cluster of one commits and applies at once.").ShouldBe("ok", "put answers ok.");
        Committing.ResultOf(second, "A cluster of one commits and applies at once.").ShouldBe("1", "get answers the value the earlier put wrote: results belong to their own index.");
        Committing.ResultOf(third, "A cluster of one commits and applies at once.").ShouldBe("12", "append answers the new value.");
    }

    [Fact]
    public void SubmitAsync_on_a_follower_fails_at_once_and_names_the_leader()
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Dispatch(new Envelope(3, 2, new AppendEntries(1, 3, 0, 0, [], 0)));

        var task = node.SubmitAsync(KeyValueStore.Put("x", "1"));

        var failure = Failure(task, "§8: a follower does not take commands; the client's task fails at once, it does not wait.");
        failure.Reason.ShouldBe(SubmitFailure.NotLeader, "§8: the reason is that this node is not the leader.");
        failure.LeaderHint.ShouldBe(3, "§8: the failure names the leader this node heard from, so the client can go there.");
        node.Log.ShouldBeEmpty("A refused command is not appended.");
    }

    [Fact]
    public void A_deposed_leaders_command_fails_when_another_leaders_entry_takes_its_index()
    {
        var leader = Leader(3);
        var task = leader.SubmitAsync(KeyValueStore.Put("x", "lost"));

        // Node 3 won term 2 without that entry, and commits its own at index 1.
        leader.Dispatch(new Envelope(3, 1, new AppendEntries(2, 3, 0, 0, [new LogEntry(2, KeyValueStore.Put("x", "won"))], 1)));
        leader.ApplyCommitted();

        var failure = Failure(task, "§5.4.2: the entry the client's command went into was overwritten; reporting success would be a lie.");
        failure.Reason.ShouldBe(SubmitFailure.LeadershipLost, "The command was never applied because its node lost the leadership.");
        Store(leader).Values["x"].ShouldBe("won", "The state machine applied the entry that was committed at index 1: the new leader's.");
    }

    [Fact]
    public void A_deposed_leaders_command_that_the_next_leader_kept_is_answered_with_its_result()
    {
        var leader = Leader(3);
        var task = leader.SubmitAsync(KeyValueStore.Append("x", "kept"));

        // Node 2 held the entry (index 1, term 1) and won term 2 with it; its first heartbeat says index 1 is committed.
        leader.Dispatch(new Envelope(2, 1, new AppendEntries(2, 2, 1, 1, [], 1)));
        leader.Role.ShouldBe(Role.Follower, "§5.1: a leader that hears from the leader of a newer term steps down.");
        task.IsFaulted.ShouldBeFalse("§5.4.2, §8: losing the leadership is not losing the command: the next leader may keep the entry and commit it. " +
            "Failing the client when the node steps down tells it 'not applied' about a command that is applied a moment later; a client that " +
            "retries then applies it twice.");
        leader.ApplyCommitted();

        Committing.ResultOf(task, "§5.3, §8: the entry the command went into (index 1, term 1) is committed and applied on this node too, now a follower; " +
            "its client gets the result, whoever leads now.").ShouldBe("kept", "The client gets its own command's result.");
        Store(leader).Values["x"].ShouldBe("kept", "The command was applied once.");
    }

    [Fact]
    public void A_deposed_leaders_command_that_is_still_undecided_stays_pending()
    {
        var leader = Leader(3);
        var task = leader.SubmitAsync(KeyValueStore.Put("x", "maybe"));

        // The leader of term 2 has not said anything about index 1 yet.
        leader.Dispatch(new Envelope(2, 1, new AppendEntries(2, 2, 0, 0, [], 0)));
        leader.ApplyCommitted();

        task.IsCompleted.ShouldBeFalse("§5.4.2: index 1 (term 1) is neither committed nor overwritten yet; the new leader may still commit it. " +
            "Until one of the two happens, nothing true can be told to the client: it waits.");
    }

    [Fact]
    public void A_command_is_answered_only_for_its_own_entry_not_for_whatever_lands_at_its_index()
    {
        var leader = Leader(3);
        var task = leader.SubmitAsync(KeyValueStore.Put("x", "lost"));
        leader.Dispatch(new Envelope(3, 1, new AppendEntries(2, 3, 0, 0, [new LogEntry(2, KeyValueStore.Put("x", "won"))], 0)));

        leader.ApplyCommitted();

        task.IsCompleted.ShouldBeFalse("Index 1 is not committed yet, so nothing is known about the command: the client waits.");
    }
}
