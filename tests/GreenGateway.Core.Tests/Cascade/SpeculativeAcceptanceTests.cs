namespace GreenGateway.Core.Cascade.Tests;

public sealed class SpeculativeAcceptanceTests
{
    private static VerifiedToken Token(int drafted, params (int Id, double P)[] target)
    {
        var top = target.OrderByDescending(t => t.P).Select(t => (t.Id, (float)Math.Log(t.P))).ToList();
        var rank = 1 + target.Count(t => t.P > target.First(x => x.Id == drafted).P);
        return new VerifiedToken(drafted, (float)Math.Log(target.First(t => t.Id == drafted).P), rank, top);
    }

    [Fact]
    public void Greedy_KeepsExactlyTheLargeModelsArgmax()
    {
        var random = new Random(1);
        var kept = SpeculativeAcceptance.Decide(AcceptanceMode.Greedy, 0, 0, Token(7, (7, 0.6), (3, 0.4)), [], random);
        var replaced = SpeculativeAcceptance.Decide(AcceptanceMode.Greedy, 0, 0, Token(3, (7, 0.6), (3, 0.4)), [], random);

        Assert.Equal(new Verdict(true, 7), kept);
        Assert.Equal(new Verdict(false, 7), replaced);
    }

    [Theory]
    [InlineData(0.0, false)]   // alpha 0 is greedy: 0.4 < 0.6
    [InlineData(0.3, false)]   // 0.4 < 0.7 * 0.6 = 0.42
    [InlineData(0.34, true)]   // 0.4 >= 0.66 * 0.6 = 0.396
    [InlineData(1.0, true)]
    public void Cascade_KeepsTokensWithinTheLenienceOfTheMax(double alpha, bool keep)
    {
        var verdict = SpeculativeAcceptance.Decide(AcceptanceMode.Cascade, alpha, 0, Token(3, (7, 0.6), (3, 0.4)), [], new Random(1));

        Assert.Equal(keep, verdict.Accepted);
        Assert.Equal(keep ? 3 : 7, verdict.Replacement);
    }

    [Fact]
    public void Sampling_IsLossless_TheOutputFollowsTheLargeModelsDistribution()
    {
        // Leviathan et al. 2023, Theorem 3.5: drafting from q and accepting by min(1, p/q) with residual resampling
        // yields tokens distributed exactly as p. Checked empirically over 200k draws.
        double[] p = [0.5, 0.3, 0.15, 0.05];
        float[] q = [0.1f, 0.6f, 0.1f, 0.2f];
        var random = new Random(42);
        var counts = new int[4];
        const int n = 200_000;
        var target = p.Select((pi, id) => (id, pi)).ToArray();
        for (var i = 0; i < n; i++)
        {
            var drafted = Draw(q, random);
            var verdict = SpeculativeAcceptance.Decide(AcceptanceMode.Sampling, 0, 1, Token(drafted, target), q, random);
            counts[verdict.Replacement]++;
        }

        for (var id = 0; id < 4; id++)
        {
            Assert.InRange(counts[id] / (double)n, p[id] - 0.005, p[id] + 0.005);
        }
    }

    [Fact]
    public void Sampling_GreedyProposals_AreTreatedAsAPointMass_StillLossless()
    {
        // A token the draft chose greedily was drawn from a point mass: accept with p(x), else resample p without x.
        double[] p = [0.5, 0.3, 0.2];
        var random = new Random(7);
        var counts = new int[3];
        const int n = 100_000;
        var target = p.Select((pi, id) => (id, pi)).ToArray();
        for (var i = 0; i < n; i++)
        {
            var verdict = SpeculativeAcceptance.Decide(AcceptanceMode.Sampling, 0, 1, Token(0, target), [], random);
            counts[verdict.Replacement]++;
        }

        for (var id = 0; id < 3; id++)
        {
            Assert.InRange(counts[id] / (double)n, p[id] - 0.006, p[id] + 0.006);
        }
    }

    [Fact]
    public void Sampling_AtTemperatureZero_IsGreedy()
    {
        var verdict = SpeculativeAcceptance.Decide(AcceptanceMode.Sampling, 0, 0, Token(3, (7, 0.6), (3, 0.4)), [0.1f, 0.9f], new Random(1));

        Assert.Equal(new Verdict(false, 7), verdict);
    }

    private static int Draw(float[] q, Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < q.Length; i++)
        {
            u -= q[i];
            if (u < 0)
            {
                return i;
            }
        }

        return q.Length - 1;
    }
}
