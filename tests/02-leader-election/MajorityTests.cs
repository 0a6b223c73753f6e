namespace Raft.Gate.Ch02;

// §5.2: "A candidate wins an election if it receives votes from a majority of the servers in the full cluster for the
// same term." Majority arithmetic, on every cluster size from 1 to 7, odd and even.
public sealed class MajorityTests
{
    [Fact]
    public void A_majority_is_more_than_half_of_the_whole_cluster_for_every_size_from_one_to_seven()
    {
        var elections = 0;
        for (var size = 1; size <= 7; size++)
        {
            for (var granted = 0; granted < size; granted++)
            {
                elections++;
                var (node, _) = Standalone.Node(id: 1, clusterSize: size);
                node.StartElection();
                for (var peer = 2; peer < 2 + granted; peer++)
                {
                    node.Dispatch(new Envelope(peer, 1, new RequestVoteReply(node.CurrentTerm, VoteGranted: true)));
                }
                var votes = granted + 1;
                var majority = votes * 2 > size;
                node.Role.ShouldBe(majority ? Role.Leader : Role.Candidate,
                    $"§5.2: in a cluster of {size}, {votes} vote{(votes == 1 ? "" : "s")} (its own and {granted} more) {(majority ? "are" : "are not")} a majority " +
                    $"of the whole cluster, so the candidate {(majority ? "wins" : "keeps waiting")}. Half of an even cluster is not a majority: two halves could elect two leaders.");
            }
        }
        elections.ShouldBe(28, "every count of votes in every cluster size from 1 to 7 was tried (1 + 2 + ... + 7)");
    }
}
