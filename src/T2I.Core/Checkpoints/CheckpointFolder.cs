using System.Globalization;
using System.Text.RegularExpressions;

namespace T2I.Core.Checkpoints;

/// <summary>
/// One checkpoint: a folder <c>&lt;run&gt;/checkpoints/step-00001234/</c> holding <c>model.safetensors</c>, optionally
/// <c>ema.safetensors</c>, <c>optimizer.safetensors</c> and other weight files, and <c>config.json</c>.
/// A checkpoint is written into a hidden temp folder and renamed into place in one step, so a folder with a
/// final name is always complete; a crash mid-write leaves only a temp folder that <see cref="Latest"/> ignores.
/// </summary>
public sealed partial class CheckpointFolder
{
    public const string ModelFile = "model.safetensors";
    public const string EmaFile = "ema.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string ConfigFile = "config.json";
    public const string CheckpointsDirName = "checkpoints";

    private const string TempPrefix = ".tmp-";
    private const string OldPrefix = ".old-";

    [GeneratedRegex(@"^step-(\d{8,})$")]
    private static partial Regex FinalName();

    [GeneratedRegex(@"^\.(?:tmp|old)-step-\d+-(\d+)-[0-9a-f]+$")]
    private static partial Regex ScratchName();

    private CheckpointFolder(string path, long step)
    {
        Path = path;
        Step = step;
    }

    /// <summary>Absolute path of the checkpoint folder.</summary>
    public string Path { get; }
    public long Step { get; }

    /// <summary>Path of a file inside this checkpoint (it may not exist: see <see cref="Has"/>).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public bool Has(string name) => System.IO.File.Exists(File(name));

    public CheckpointConfig ReadConfig() => CheckpointConfig.Parse(System.IO.File.ReadAllText(File(ConfigFile)), File(ConfigFile));

    /// <summary>
    /// The preset.json the run was trained with: beside this folder (an exported model) or in the run folder two
    /// levels up (<c>&lt;run&gt;/checkpoints/step-N</c>); null when neither exists.
    /// </summary>
    public string? RunPresetFile() =>
        new[] { File("preset.json"), System.IO.Path.Combine(Path, "..", "..", "preset.json") }.FirstOrDefault(System.IO.File.Exists);

    public static string FolderName(long step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary><c>&lt;run&gt;/checkpoints</c>.</summary>
    public static string CheckpointsDir(string runDir) => System.IO.Path.Combine(runDir, CheckpointsDirName);

    /// <summary>
    /// Writes a checkpoint atomically: <paramref name="writeFiles"/> fills a temp folder (same directory, so the
    /// rename never crosses file systems), <c>config.json</c> is written last, then the folder is renamed to
    /// <c>step-NNNNNNNN</c>. An existing checkpoint of the same step is replaced. If anything throws, the temp
    /// folder is removed and the previous checkpoints are untouched.
    /// </summary>
    public static CheckpointFolder Write(string checkpointsDir, CheckpointConfig config, Action<string> writeFiles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(config.Step);
        Directory.CreateDirectory(checkpointsDir);
        string name = FolderName(config.Step);
        string temp = System.IO.Path.Combine(checkpointsDir, ScratchFolderName(TempPrefix, config.Step));
        string final = System.IO.Path.Combine(checkpointsDir, name);
        Directory.CreateDirectory(temp);
        try
        {
            writeFiles(temp);
            System.IO.File.WriteAllText(System.IO.Path.Combine(temp, ConfigFile), config.ToJson());
            FlushToDisk(temp);
            if (Directory.Exists(final))
            {
                // Move the old one aside first: a folder with the final name must always be complete.
                string old = System.IO.Path.Combine(checkpointsDir, ScratchFolderName(OldPrefix, config.Step));
                Directory.Move(final, old);
                Directory.Move(temp, final);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, final);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return new CheckpointFolder(System.IO.Path.GetFullPath(final), config.Step);
    }

    /// <summary>Complete checkpoints in <paramref name="checkpointsDir"/>, oldest first. Temp folders and folders
    /// without config.json are not checkpoints.</summary>
    public static IReadOnlyList<CheckpointFolder> List(string checkpointsDir)
    {
        if (!Directory.Exists(checkpointsDir)) return [];
        var found = new List<CheckpointFolder>();
        foreach (string dir in Directory.EnumerateDirectories(checkpointsDir))
        {
            var m = FinalName().Match(System.IO.Path.GetFileName(dir));
            if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long step)) continue;
            if (!System.IO.File.Exists(System.IO.Path.Combine(dir, ConfigFile))) continue;
            found.Add(new CheckpointFolder(System.IO.Path.GetFullPath(dir), step));
        }
        found.Sort((a, b) => a.Step.CompareTo(b.Step));
        return found;
    }

    /// <summary>
    /// The complete checkpoint with the highest step whose config.json is readable, or null when there is none.
    /// (An unreadable config can only come from outside damage, e.g. a crash of the machine before the disk
    /// caught up; the previous checkpoint is then the latest usable one.)
    /// </summary>
    public static CheckpointFolder? Latest(string checkpointsDir)
    {
        var all = List(checkpointsDir);
        for (int i = all.Count - 1; i >= 0; i--)
        {
            try
            {
                all[i].ReadConfig();
                return all[i];
            }
            catch (Exception e) when (e is InvalidDataException or IOException) { }
        }
        return null;
    }

    /// <summary>
    /// Resolves what a user typed: a checkpoint folder, a <c>checkpoints</c> folder or a run folder (→ its latest
    /// checkpoint). Throws with the path when nothing usable is there.
    /// </summary>
    public static CheckpointFolder Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (System.IO.File.Exists(System.IO.Path.Combine(full, ConfigFile)))
        {
            var m = FinalName().Match(System.IO.Path.GetFileName(full));
            long step = m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                                  : CheckpointConfig.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(full, ConfigFile)), full).Step;
            return new CheckpointFolder(full, step);
        }
        var latest = Latest(full) ?? Latest(CheckpointsDir(full));
        return latest ?? throw new DirectoryNotFoundException(
            $"No complete checkpoint at '{path}' (expected a step-NNNNNNNN folder with {ConfigFile}, a '{CheckpointsDirName}' " +
                $"folder, or a run folder).");
    }

    /// <summary>
    /// Keeps the newest <paramref name="keepLast"/> checkpoints (and any in <paramref name="keep"/>), deletes older
    /// ones and scratch folders left by crashed processes. Returns the deleted paths.
    /// </summary>
    public static IReadOnlyList<string> Prune(string checkpointsDir, int keepLast, IEnumerable<long>? keep = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        var deleted = new List<string>();
        var all = List(checkpointsDir);
        var pinned = new HashSet<long>(keep ?? []);
        foreach (var cp in all.Take(Math.Max(0, all.Count - keepLast)))
        {
            if (pinned.Contains(cp.Step)) continue;
            if (TryDelete(cp.Path)) deleted.Add(cp.Path);
        }
        if (Directory.Exists(checkpointsDir))
        {
            foreach (string dir in Directory.EnumerateDirectories(checkpointsDir))
            {
                var m = ScratchName().Match(System.IO.Path.GetFileName(dir));
                // Only another (dead or concurrent-but-foreign) process's scratch: ours may be mid-write.
                if (m.Success && m.Groups[1].Value != Environment.ProcessId.ToString(CultureInfo.InvariantCulture) && TryDelete(dir))
                    deleted.Add(dir);
            }
        }
        return deleted;
    }

    /// <summary>fsync every file before the rename, so a machine crash cannot leave a named folder with empty files.</summary>
    private static void FlushToDisk(string dir)
    {
        foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            stream.Flush(flushToDisk: true);
        }
    }

    private static string ScratchFolderName(string prefix, long step)
        => $"{prefix}{FolderName(step)}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    private static bool TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public override string ToString() => Path;
}
