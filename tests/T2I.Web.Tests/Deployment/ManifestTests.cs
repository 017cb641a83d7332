using YamlDotNet.RepresentationModel;

namespace T2I.Web.Tests.Deployment;

/// <summary>infra/compose.yaml and infra/k8s parse and hang together; no engine or cluster is needed.</summary>
public class ManifestTests
{
    [Fact]
    public void Every_k8s_file_parses_into_named_objects_and_kustomization_lists_them_all()
    {
        var files = DeploymentRepo.K8sFiles().Select(f => Path.GetFileName(f)!).ToList();
        foreach (var file in files)
            foreach (var doc in DeploymentRepo.LoadYaml(DeploymentRepo.PathOf($"infra/k8s/{file}")))
            {
                Assert.False(string.IsNullOrEmpty(doc.Str("apiVersion")), $"{file}: document without apiVersion");
                Assert.False(string.IsNullOrEmpty(doc.Str("kind")), $"{file}: document without kind");
                if (doc.Str("kind") != "Kustomization")
                    Assert.False(string.IsNullOrEmpty(doc.At("metadata").Str("name")), $"{file}: {doc.Str("kind")} without metadata.name");
            }
        var listed = DeploymentRepo.LoadYaml(DeploymentRepo.PathOf("infra/k8s/kustomization.yaml")).Single()
            .Get("resources").Items().Select(n => ((YamlScalarNode)n).Value!).Order().ToList();
        Assert.Equal(files.Where(f => f != "kustomization.yaml").Order().ToList(), listed);
    }

    [Fact]
    public void Compose_services_build_from_existing_dockerfile_stages_and_images_are_named_after_them()
    {
        var services = DeploymentRepo.Compose().Get("services").Pairs().ToDictionary();
        var built = services.Where(s => s.Value.Get("build") is not null).ToList();
        Assert.Contains(built, s => s.Key == "web");
        Assert.Contains(built, s => s.Key == "worker");
        foreach (var (name, svc) in built)
        {
            string dockerfile = svc.At("build").Str("dockerfile")!, target = svc.At("build").Str("target")!;
            Assert.Equal("..", svc.At("build").Str("context"));
            Assert.Contains(target, Stages(Path.GetFileName(dockerfile)));
            Assert.StartsWith($"t2i/{target}:", svc.Str("image"));
        }
        foreach (var (name, svc) in services)
            foreach (var dep in svc.Get("depends_on").Pairs())
                Assert.True(services.ContainsKey(dep.Key), $"{name} depends on unknown service {dep.Key}");
    }

    [Fact]
    public void Compose_worker_can_be_scaled()
    {
        var worker = DeploymentRepo.Compose().At("services", "worker");
        // A fixed host port or container name makes `docker compose up --scale worker=N` fail.
        Assert.Null(worker.Get("ports"));
        Assert.Null(worker.Get("container_name"));
        var env = DeploymentRepo.ComposeEnvironment(worker.Get("environment"));
        Assert.Equal("worker", env["T2I__Role"]);
        Assert.Contains("Host=postgres", env["ConnectionStrings__Hangfire"]);
    }

    [Fact]
    public void K8s_images_are_built_by_a_dockerfile_stage_and_pinned_by_the_kustomization()
    {
        var stages = DeploymentRepo.Dockerfiles().SelectMany(f => Stages(Path.GetFileName(f))).ToHashSet();
        var pinned = DeploymentRepo.LoadYaml(DeploymentRepo.PathOf("infra/k8s/kustomization.yaml")).Single()
            .Get("images").Items().Select(i => i.Str("name")).ToHashSet();
        var images = DeploymentRepo.K8sContainers().Select(c => c.Container.Str("image")!).Distinct().ToList();
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            Assert.StartsWith("t2i/", image);
            Assert.Contains(image["t2i/".Length..], stages);
            Assert.Contains(image, pinned);
        }
    }

    [Fact]
    public void Gpu_worker_pool_runs_one_generation_worker_per_gpu_on_gpu_nodes()
    {
        var doc = DeploymentRepo.LoadYaml(DeploymentRepo.PathOf("infra/k8s/worker-gpu.yaml")).Single(d => d.Str("kind") == "Deployment");
        var pod = doc.At("spec", "template", "spec");
        var container = Assert.Single(pod.Get("containers").Items());
        Assert.Equal("1", container.At("resources", "limits").Str("nvidia.com/gpu"));
        Assert.Equal("1", container.At("resources", "requests").Str("nvidia.com/gpu"));
        var env = container.Get("env").Items().ToDictionary(e => e.Str("name")!, e => e.Str("value"));
        Assert.Equal("worker", env["T2I__Role"]);
        Assert.Equal("1", env["T2I__Workers"]);
        Assert.NotNull(pod.Get("nodeSelector"));
        Assert.Contains(pod.Get("tolerations").Items(), t => t.Str("key") == "nvidia.com/gpu");
        Assert.True(int.Parse(doc.At("spec").Str("replicas")!) >= 1);
    }

    [Fact]
    public void Training_job_is_indexed_with_one_gpu_per_rank()
    {
        var job = DeploymentRepo.LoadYaml(DeploymentRepo.PathOf("infra/k8s/training-job.yaml")).Single(d => d.Str("kind") == "Job");
        var service = DeploymentRepo.LoadYaml(DeploymentRepo.PathOf("infra/k8s/training-job.yaml")).Single(d => d.Str("kind") == "Service");
        Assert.Equal("Indexed", job.At("spec").Str("completionMode"));
        Assert.Equal(job.At("spec").Str("completions"), job.At("spec").Str("parallelism"));
        var pod = job.At("spec", "template", "spec");
        Assert.Equal(service.At("metadata").Str("name"), pod.Str("subdomain"));
        Assert.Equal("None", service.At("spec").Str("clusterIP"));
        var container = Assert.Single(pod.Get("containers").Items());
        Assert.Equal("1", container.At("resources", "limits").Str("nvidia.com/gpu"));
        Assert.Equal("launch", ((YamlScalarNode)container.Get("args").Items().First()).Value);
    }

    internal static HashSet<string> Stages(string dockerfile) =>
        DockerfileTests.Instructions(dockerfile, "FROM").Select(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[1].Equals("AS", StringComparison.OrdinalIgnoreCase)).Select(p => p[2]).ToHashSet();
}
