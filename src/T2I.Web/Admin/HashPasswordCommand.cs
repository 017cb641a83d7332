namespace T2I.Web.Admin;

/// <summary><c>hash-password [PASSWORD]</c>: prints the value for <c>T2I:Admin:PasswordHash</c> (reads stdin without an
/// argument).</summary>
public static class HashPasswordCommand
{
    public static int Run(string[] args)
    {
        string? password = args.Length > 0 ? args[0] : Console.In.ReadLine();
        if (string.IsNullOrEmpty(password) || password.Length < 12)
        {
            Console.Error.WriteLine("hash-password: give a password of at least 12 characters (argument or one line on stdin).");
            return 2;
        }
        Console.WriteLine(AdminCredentials.Hash(password));
        return 0;
    }
}
