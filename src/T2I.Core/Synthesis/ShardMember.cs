namespace T2I.Core.Synthesis;

/// <summary>
/// One sample's tar members in an img2dataset shard: KEY.EXT (the image), KEY.json and KEY.txt (the caption).
/// <paramref name="CutInsideImage"/> plants a truncated tar (the sample must be the shard's last).
/// </summary>
public sealed record ShardMember(string Key, string Extension, byte[] Image, byte[] Json, byte[] CaptionBytes,
    bool CutInsideImage = false);
