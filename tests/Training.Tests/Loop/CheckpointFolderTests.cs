using T2I.Core.Checkpoints;

namespace T2I.Training.Tests.Loop;

public class CheckpointFolderTests
{
    private static CheckpointFolder Write(string dir, long step, string payload = "w")
        => CheckpointFolder.Write(dir, new CheckpointConfig { Step = step, Preset = "p" }, d => File.WriteAllText(Path.Combine(d, CheckpointFolder.ModelFile), payload));

    [Fact]
    public void LatestIsTheHighestCompleteStep()
    {
        using var tmp = new TempDir();
        Write(tmp.Path, 100);
        Write(tmp.Path, 20);
        Write(tmp.Path, 300);
        var latest = CheckpointFolder.Latest(tmp.Path);
        Assert.NotNull(latest);
        Assert.Equal(300, latest!.Step);
        Assert.Equal("step-00000300", Path.GetFileName(latest.Path));
        Assert.Equal(300, latest.ReadConfig().Step);
        Assert.Equal([20L, 100, 300], CheckpointFolder.List(tmp.Path).Select(c => c.Step));
    }

    [Fact]
    public void TempAndIncompleteFoldersAreNeverLatest()
    {
        using var tmp = new TempDir();
        Write(tmp.Path, 10);
        // What a killed writer leaves behind: a temp folder with everything, and a final-looking folder without config.json.
        var temp = Directory.CreateDirectory(Path.Combine(tmp.Path, ".tmp-step-00000050-999999-abcdef"));
        File.WriteAllText(Path.Combine(temp.FullName, CheckpointFolder.ConfigFile), new CheckpointConfig { Step = 50 }.ToJson());
        Directory.CreateDirectory(Path.Combine(tmp.Path, "step-00000040"));
        Directory.CreateDirectory(Path.Combine(tmp.Path, "step-oops"));
        Assert.Equal(10, CheckpointFolder.Latest(tmp.Path)!.Step);
    }

    [Fact]
    public void ADamagedNewestConfigFallsBackToThePreviousCheckpoint()
    {
        using var tmp = new TempDir();
        Write(tmp.Path, 10);
        var newest = Write(tmp.Path, 20);
        File.WriteAllText(newest.File(CheckpointFolder.ConfigFile), "");
        Assert.Equal(10, CheckpointFolder.Latest(tmp.Path)!.Step);
    }

    [Fact]
    public void FailedWriteLeavesNoFolderAndKeepsThePreviousLatest()
    {
        using var tmp = new TempDir();
        Write(tmp.Path, 10);
        var boom = Assert.Throws<IOException>(() => CheckpointFolder.Write(tmp.Path, new CheckpointConfig { Step = 20 }, d =>
        {
            File.WriteAllText(Path.Combine(d, CheckpointFolder.ModelFile), "half");
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", boom.Message);
        Assert.Equal(10, CheckpointFolder.Latest(tmp.Path)!.Step);
        Assert.Single(Directory.GetDirectories(tmp.Path)); // the temp folder was cleaned up
    }

    [Fact]
    public void RewritingAStepReplacesItCompletely()
    {
        using var tmp = new TempDir();
        Write(tmp.Path, 10, "old");
        Write(tmp.Path, 10, "new");
        var cp = CheckpointFolder.Latest(tmp.Path)!;
        Assert.Equal("new", File.ReadAllText(cp.File(CheckpointFolder.ModelFile)));
        Assert.Single(Directory.GetDirectories(tmp.Path));
    }

    [Fact]
    public void PruneKeepsTheNewestAndRemovesForeignScratch()
    {
        using var tmp = new TempDir();
        foreach (long s in new long[] { 1, 2, 3, 4, 5 }) Write(tmp.Path, s);
        string foreign = Directory.CreateDirectory(Path.Combine(tmp.Path, ".tmp-step-00000006-999999-abcdef")).FullName;
        var deleted = CheckpointFolder.Prune(tmp.Path, keepLast: 2, keep: [1]);
        Assert.Equal([1L, 4, 5], CheckpointFolder.List(tmp.Path).Select(c => c.Step));
        Assert.Contains(foreign, deleted);
        Assert.False(Directory.Exists(foreign));
    }

    [Fact]
    public void OpenResolvesRunFolderCheckpointsFolderAndCheckpoint()
    {
        using var tmp = new TempDir();
        string dir = CheckpointFolder.CheckpointsDir(tmp.Path);
        Write(dir, 7);
        var fromRun = CheckpointFolder.Open(tmp.Path);
        Assert.Equal(7, fromRun.Step);
        Assert.Equal(7, CheckpointFolder.Open(dir).Step);
        Assert.Equal(fromRun.Path, CheckpointFolder.Open(fromRun.Path).Path);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => CheckpointFolder.Open(tmp.Sub("nothing")));
        Assert.Contains("No complete checkpoint", missing.Message);
    }

    [Fact]
    public void ConfigRejectsForeignJson()
    {
        var e = Assert.Throws<InvalidDataException>(() => CheckpointConfig.Parse("""{"format":"other/9","step":1}""", "x"));
        Assert.Contains("other/9", e.Message);
        Assert.Throws<InvalidDataException>(() => CheckpointConfig.Parse("{not json", "x"));
    }
}
