namespace Raft.Gate.Ch07;

// Client sessions, in the state machine (Ongaro's thesis §6.3): a client numbers its commands and sends each with its
// session; a command is applied at most once however often it is retried, and a retry gets the first answer. The store
// is driven here as the apply loop drives it: one index after another.
public sealed class SessionTests
{
    /// <summary>A store and the next log index to apply at, as the apply loop would.</summary>
    private sealed class Log(KeyValueStore store)
    {
        public KeyValueStore Store { get; } = store;

        public long Index { get; private set; }

        public string Apply(string command) => Store.Apply(++Index, command);

        /// <summary>Registers a session; returns its id (the index of the register entry).</summary>
        public long Register()
        {
            var result = Apply(KeyValueStore.RegisterCommand);
            long.TryParse(result, System.Globalization.CultureInfo.InvariantCulture, out var id).ShouldBeTrue(
                $"thesis §6.3: register answers the new session's id, a number, not '{result}'");
            return id;
        }

        public string In(long session, long sequence, string command) => Apply(KeyValueStore.InSession(session, sequence, command));
    }

    private static Log Fresh(int maxSessions = 1000) => new(new KeyValueStore(maxSessions));

    [Fact]
    public void A_retried_append_is_applied_once_and_answered_with_its_first_result()
    {
        var log = Fresh();
        var session = log.Register();

        var first = log.In(session, 1, KeyValueStore.Append("x", "a"));
        var retry = log.In(session, 1, KeyValueStore.Append("x", "a"));

        log.Store.Values["x"].ShouldBe("a", "thesis §6.3: a command retried after a lost answer is applied once (TODO(ch07) Sessions)");
        first.ShouldBe("a", "the first try answers the append's result, the new value");
        retry.ShouldBe(first, "thesis §6.3: the retry gets the answer the first try got, so the client cannot tell them apart (TODO(ch07) Sessions)");
    }

    [Fact]
    public void A_retry_answers_the_first_result_even_after_others_wrote()
    {
        var log = Fresh();
        var mine = log.Register();
        var other = log.Register();

        log.In(mine, 1, KeyValueStore.Append("x", "a")).ShouldBe("a", "append answers the new value");
        log.In(other, 1, KeyValueStore.Append("x", "b")).ShouldBe("ab", "another client's append follows");
        var retry = log.In(mine, 1, KeyValueStore.Append("x", "a"));

        retry.ShouldBe("a", "thesis §6.3: the retry is answered with the result saved when the command was applied, not by running it again (TODO(ch07) Sessions)");
        log.Store.Values["x"].ShouldBe("ab", "the retry changed nothing");
    }

    [Fact]
    public void A_retried_put_does_not_undo_a_later_write()
    {
        var log = Fresh();
        var mine = log.Register();
        var other = log.Register();

        log.In(mine, 1, KeyValueStore.Put("x", "old")).ShouldBe("ok", "put answers ok");
        log.In(other, 1, KeyValueStore.Put("x", "new")).ShouldBe("ok", "put answers ok");
        log.In(mine, 1, KeyValueStore.Put("x", "old")).ShouldBe("ok", "the retry is answered as the first try was");

        log.Store.Values["x"].ShouldBe("new", "thesis §6.3: applying a retried put again would overwrite a later client's write (TODO(ch07) Sessions)");
    }

    [Fact]
    public void Each_command_of_a_session_is_applied_in_turn()
    {
        var log = Fresh();
        var session = log.Register();

        log.In(session, 1, KeyValueStore.Append("x", "1")).ShouldBe("1", "command 1 is applied");
        log.In(session, 2, KeyValueStore.Append("x", "2")).ShouldBe("12", "command 2 is a new command: applied (TODO(ch07) Sessions)");
        log.In(session, 5, KeyValueStore.Append("x", "5")).ShouldBe("125", "a client may skip numbers (it gave up on some): a higher number is new (TODO(ch07) Sessions)");

        log.Store.Sessions[session].LastSequence.ShouldBe(5, "thesis §6.3: the session remembers its latest command's number (TODO(ch07) Sessions)");
    }

    [Fact]
    public void An_older_command_of_a_session_changes_nothing()
    {
        var log = Fresh();
        var session = log.Register();
        log.In(session, 1, KeyValueStore.Append("x", "1"));
        log.In(session, 2, KeyValueStore.Append("x", "2"));

        var late = log.In(session, 1, KeyValueStore.Append("x", "1"));

        log.Store.Values["x"].ShouldBe("12", "thesis §6.3: a command older than the session's latest was applied already (or given up on): it is not applied (TODO(ch07) Sessions)");
        late.ShouldStartWith("error", Case.Sensitive, "its client has moved on; the answer says it was not applied");
    }

    [Fact]
    public void Sessions_are_independent()
    {
        var log = Fresh();
        var a = log.Register();
        var b = log.Register();

        log.In(a, 1, KeyValueStore.Append("x", "a"));
        log.In(b, 1, KeyValueStore.Append("x", "b"));

        log.Store.Values["x"].ShouldBe("ab", "thesis §6.3: each session numbers its own commands: command 1 of another client is a different command (TODO(ch07) Sessions)");
        log.Store.Sessions[a].LastSequence.ShouldBe(1, "thesis §6.3: each session remembers the number of its latest command (TODO(ch07) Sessions)");
        log.Store.Sessions[b].LastSequence.ShouldBe(1, "and so does the other, on its own");
        log.In(a, 1, KeyValueStore.Append("x", "a")).ShouldBe("a", "a's retry is answered with a's first result, not b's");
        log.Store.Values["x"].ShouldBe("ab", "and changes nothing");
    }

    [Fact]
    public void A_command_in_an_unknown_session_is_refused_and_not_applied()
    {
        var log = Fresh();

        var result = log.In(99, 1, KeyValueStore.Put("x", "1"));

        result.ShouldStartWith(KeyValueStore.SessionExpiredError, Case.Sensitive,
            "thesis §6.3: a session the state machine does not know (never registered, or expired) gets an error the client recognizes (TODO(ch07) Sessions)");
        log.Store.Values.ShouldNotContainKey("x", "nothing is applied in an unknown session: it might be a retry of a command applied before the session expired");
    }

    [Fact]
    public void Past_the_limit_the_least_recently_used_session_expires()
    {
        var log = Fresh(maxSessions: 2);
        var early = log.Register();
        var idle = log.Register();
        log.In(early, 1, KeyValueStore.Put("x", "1")); // the early session is in use

        var late = log.Register();

        log.Store.Sessions.Keys.Order().ShouldBe(new[] { early, late }.Order(),
            "thesis §6.3: past MaxSessions the session unused for the longest expires; one that registered early but is in use stays (TODO(ch07) ExpireSessions)");
        log.In(idle, 1, KeyValueStore.Put("y", "1")).ShouldStartWith(KeyValueStore.SessionExpiredError, Case.Sensitive, "the expired session's commands are refused");
        log.In(early, 2, KeyValueStore.Put("x", "2")).ShouldBe("ok", "the active session goes on");
    }

    [Fact]
    public void A_retry_counts_as_use_of_its_session()
    {
        var log = Fresh(maxSessions: 2);
        var retrying = log.Register();
        log.In(retrying, 1, KeyValueStore.Put("x", "1"));
        var other = log.Register();
        log.In(other, 1, KeyValueStore.Put("y", "1"));
        log.In(retrying, 1, KeyValueStore.Put("x", "1")); // a retry: the client is alive

        log.Register();

        log.Store.Sessions.Keys.ShouldContain(retrying, "a session whose client just retried was used most recently: the idle one expires instead (TODO(ch07) Sessions)");
        log.Store.Sessions.Keys.ShouldNotContain(other, "the session unused for the longest expires (TODO(ch07) ExpireSessions)");
    }

    [Fact]
    public void Sessions_never_exceed_the_limit_and_the_newest_stays()
    {
        var log = Fresh(maxSessions: 3);
        var ids = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(log.Register());
        }

        log.Store.Sessions.Count.ShouldBe(3, "thesis §6.3: at most MaxSessions sessions are kept (TODO(ch07) ExpireSessions)");
        log.Store.Sessions.Keys.Order().ShouldBe(ids.TakeLast(3), "the three most recently registered stay: the one just registered never expires at once");
    }

    [Fact]
    public void Two_servers_applying_the_same_log_agree_on_every_answer_and_session()
    {
        string[] commands =
        [
            KeyValueStore.RegisterCommand, KeyValueStore.RegisterCommand, KeyValueStore.InSession(1, 1, KeyValueStore.Append("x", "a")),
            KeyValueStore.RegisterCommand, KeyValueStore.InSession(2, 1, KeyValueStore.Append("x", "b")), KeyValueStore.InSession(1, 1, KeyValueStore.Append("x", "a")),
            KeyValueStore.RegisterCommand, KeyValueStore.InSession(1, 2, KeyValueStore.Put("y", "1")), KeyValueStore.NoOp, KeyValueStore.RegisterCommand,
            KeyValueStore.InSession(2, 2, KeyValueStore.Put("y", "2")), KeyValueStore.InSession(4, 1, KeyValueStore.Get("x")),
        ];
        var one = Fresh(maxSessions: 2);
        var two = Fresh(maxSessions: 2);

        var answersOne = commands.Select(one.Apply).ToList();
        var answersTwo = commands.Select(two.Apply).ToList();

        answersTwo.ShouldBe(answersOne, "§5.4.3 with sessions: the same commands in the same order give the same answers on every server (TODO(ch07) ExpireSessions decides by the log alone)");
        two.Store.Sessions.ShouldBe(one.Store.Sessions, "and the same sessions");
        one.Store.Sessions.Count.ShouldBe(2, "thesis §6.3: past the limit some sessions expired (TODO(ch07) ExpireSessions)");
    }
}
