namespace Raft.Gate.Given;

// Not a TODO of chapter 7 but the code it is given, checked here so a learner's edit that breaks it is caught (a starter
// passes these, like the common checks). A command is checked before it enters the log (RaftNode.Refusal): one the state machine could never apply, or one too
// long to fit in a message to the followers, is refused with a sentence and never replicated. And what only reads can be
// answered without the log.
public sealed class CommandTests
{
    private static readonly KeyValueStore Store = new();

    [Fact]
    public void A_command_the_store_can_apply_is_accepted()
    {
        string[] commands = ["put x 1", "put x a value with spaces", "append log entry", "get x", "register", "session 3 1 put x 1", "session 3 17 get x"];
        var checkedCommands = 0;
        foreach (var command in commands)
        {
            Store.Validate(command).ShouldBeNull($"'{command}' is a command the store applies");
            checkedCommands++;
        }
        checkedCommands.ShouldBe(commands.Length, "every command was checked");
    }

    [Fact]
    public void A_command_the_store_cannot_apply_is_refused_with_a_reason()
    {
        (string Command, string Reason)[] cases =
        [
            ("", "empty"), ("frobnicate x", "not put"), ("put x", "not put"), ("get", "not put"), ("get x y", "not put"),
            ("register me", "not put"), ("noop", "leader's own entry"), ("session 3 1 register", "session's command"),
            ("session 3 1 session 3 2 put x 1", "session's command"), ("session 0 1 put x 1", "whole numbers above 0"),
            ("session 3 -1 put x 1", "whole numbers above 0"), ("session x 1 put x 1", "whole numbers above 0"),
            ("put x line\nbreak", "control characters"), ("put x \u0001", "control characters"),
        ];
        var checkedCases = 0;
        foreach (var (command, reason) in cases)
        {
            var error = Store.Validate(command);
            error.ShouldNotBeNull($"'{command}' can never be applied: it must not enter the log");
            error.ShouldContain(reason, Case.Sensitive, $"the refusal of '{command}' says why: {error}");
            checkedCases++;
        }
        checkedCases.ShouldBe(cases.Length, "every command was checked");
    }

    [Fact]
    public void A_leader_refuses_a_bad_command_and_one_too_long_for_a_message()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3, options: new RaftOptions { MaxCommandBytes = 100 });
        node.ForceLeader(1);

        node.Refusal("frobnicate x").ShouldNotBeNull("an unknown command is refused before the log");
        (node.Refusal(KeyValueStore.Put("x", new string('é', 60))) ?? "").ShouldContain("bytes", Case.Sensitive,
            "a command is measured in UTF-8 bytes (é is two): 126 bytes are over the 100 an entry may hold");
        node.Refusal(KeyValueStore.Put("x", new string('a', 90))).ShouldBeNull("96 bytes fit");
        node.Log.ShouldBeEmpty("refusing changes nothing in the log");
    }

    [Fact]
    public void Only_a_get_is_answered_without_the_log()
    {
        Store.IsReadOnly("get x").ShouldBeTrue("a get changes nothing: ReadIndex may answer it");
        foreach (var command in new[] { "put x 1", "append x 1", "register", "session 3 1 get x", "get x y", "getx" })
        {
            Store.IsReadOnly(command).ShouldBeFalse($"'{command}' goes through the log");
        }
        var store = new KeyValueStore();
        store.Apply(1, "put x 1");
        store.Query("get x").ShouldBe("1", "a read answers the current value");
        store.Query("get y").ShouldBe("", "a key never written reads as empty, as a get through the log does");
        Should.Throw<ArgumentException>(() => store.Query("put x 2"), "only a get is answered without the log");
        store.Values["x"].ShouldBe("1", "a query changes nothing");
    }
}

// The store's given parts: the no-op, registering a session, and a leader without chapter 7's option.
public sealed class GivenStoreTests
{
    [Fact]
    public void The_no_op_changes_nothing()
    {
        var store = new KeyValueStore();
        store.Apply(1, KeyValueStore.Put("x", "1"));

        store.Apply(2, KeyValueStore.NoOp).ShouldBe("", "§8: the leader's no-op is applied like any entry and changes nothing");

        store.Values.Count.ShouldBe(1, "no key was written");
        store.LastIndex.ShouldBe(2, "its index was applied");
    }

    [Fact]
    public void A_session_is_named_by_the_index_that_registered_it()
    {
        var store = new KeyValueStore();
        store.Apply(1, KeyValueStore.Put("a", "1"));

        store.Apply(2, KeyValueStore.RegisterCommand).ShouldBe("2", "thesis §6.3: the register entry's index is an id every server agrees on");

        store.Sessions.Keys.ShouldBe([2L], "the session is open");
    }

    [Fact]
    public void Without_the_option_a_leader_appends_nothing()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3);

        node.ForceLeader(2);

        node.Log.ShouldBeEmpty("the earlier chapters count entries exactly: the no-op is for the key-value service (RaftOptions.NoOpOnElection)");
    }
}
