using Hangfire;
using Hangfire.Common;

namespace T2I.Web.Generation;

/// <summary>
/// The link from a generation record to its Hangfire job. A record only remembers a job id, and job ids are
/// not unique forever: a fresh in-memory storage (or a recreated database) numbers its jobs from 1 again. So
/// before a record's job id is acted on, the job is checked to carry that record's generation id — the
/// argument of <see cref="GenerationJob.RunAsync"/> — and a job that does not is not that record's job.
/// </summary>
public static class GenerationJobs
{
    /// <summary>The generation id a <see cref="GenerationJob"/> was enqueued for; null for any other job.</summary>
    public static string? GenerationIdOf(Job? job) =>
        job is { Type: var type, Args: [string id, ..] } && type == typeof(GenerationJob) ? id : null;

    /// <summary>Whether job <paramref name="jobId"/> exists in <paramref name="storage"/> and runs <paramref name="generationId"/>.</summary>
    public static bool Carries(JobStorage storage, string jobId, string generationId)
    {
        using var connection = storage.GetConnection();
        return GenerationIdOf(connection.GetJobData(jobId)?.Job) == generationId;
    }
}
