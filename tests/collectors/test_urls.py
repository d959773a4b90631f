from checker.collectors.urls import url_has_password, url_without_secrets


def test_user_info_query_and_fragment_go_but_an_azure_storage_container_stays():
    # the container sits where user info does; it is no secret, and two containers are two places
    assert url_without_secrets("wasbs://datasets@acct.blob.core.windows.net/iris.csv?sv=2021&sig=abc") == \
        "wasbs://datasets@acct.blob.core.windows.net/iris.csv"
    assert url_without_secrets("abfss://raw-data@acct.dfs.core.windows.net/x#y") == "abfss://raw-data@acct.dfs.core.windows.net/x"
    # a password, or anything a container name cannot be, is dropped as before
    for url in ("wasbs://user:key@acct.blob.core.windows.net/x", "abfss://Upper@acct.dfs.core.windows.net/x",
                "wasb://-bad@acct/x"):
        assert "@" not in url_without_secrets(url), url
    assert url_without_secrets("https://token@github.com/o/r.git") == "https://github.com/o/r.git"
    assert url_without_secrets("s3://datasets@bucket/x") == "s3://bucket/x"      # only Azure Storage's schemes
    assert url_has_password("wasbs://user:key@acct/x") and not url_has_password("wasbs://datasets@acct/x")
