namespace Raft.Gate.Common;

// Not a chapter's behaviour but a condition for every chapter: a run depends on its seed alone, so every failure
// replays with its seed. (The hygiene test reads the source; this one catches what slips past it at run time.)
public sealed class DeterminismTests
{
    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        static string Run()
        {
            using var cluster = Cluster.Create(seed: 11, nodes: 5);
            try
            {
                cluster.RunFor(TimeSpan.FromSeconds(3));
            }
            catch (Raft.Simulation.SimulationFailedException)
            {
                // An unfinished chapter may stop the run (a stub that throws); the runs up to there must still agree.
            }
            return cluster.Trace.Hash();
        }

        Run().ShouldBe(Run(),
            "Two runs of seed 11 differed, so a failing run could not be replayed from its seed. Node code must take randomness only from " +
            "_context.Random and time only from _context.Time: look for Random.Shared, new Random(), Guid.NewGuid() or the wall clock.");
    }
}
